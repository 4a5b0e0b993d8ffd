"""Mutant of lr_finder.

Measures divergence against the first smoothed loss instead of the best one.
"""

import copy
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import torch

FAILS = ('stops_on_divergence',)
"""Checks that must fail on this mutant (tests/test_exercise_lr_finder.py asserts it)."""


def suggest_lrs(
    lrs: list[float], losses: list[float], skip_start: int = 10, skip_end: int = 5
) -> dict[str, float]:
    """Suggest learning rates from a (smoothed) loss-vs-lr curve; see the exercise stub."""
    if len(lrs) != len(losses):
        raise ValueError(
            f"lrs and losses must have the same length; found {len(lrs)} and {len(losses)}"
        )
    # Like fastai, drop the noisy first points and the exploding last ones ...
    window = range(skip_start, len(lrs) - skip_end)
    # ... unless that leaves too little to take a difference.
    if len(window) < 2:
        window = range(len(lrs))
    if len(window) < 2:
        return {"steep": math.nan, "minimum": math.nan}
    idx = list(window)
    # Slope per unit of log(lr): the x axis of the plot is logarithmic.
    slopes = [
        (losses[b] - losses[a]) / (math.log(lrs[b]) - math.log(lrs[a]))
        for a, b in itertools.pairwise(idx)
    ]
    steepest = min(range(len(slopes)), key=slopes.__getitem__)  # first on ties
    lowest = min(idx, key=losses.__getitem__)
    # The left end of the steepest segment: the lr at which the loss starts falling fastest.
    # The minimum itself is already too hot (the loss turns up right after it): take 1/10.
    return {"steep": float(lrs[idx[steepest]]), "minimum": float(lrs[lowest]) / 10}


def _endless(batches: Iterable[Any]) -> Iterator[Any]:
    """Yield batches forever, starting a new pass whenever the dataloader runs out."""
    while True:
        empty = True
        for batch in batches:
            empty = False
            yield batch
        if empty:
            raise ValueError("train_dataloader yielded no batches")


def _batch_loss(
    model: torch.nn.Module, batch: Any, loss_fn: Callable[..., torch.Tensor] | None
) -> torch.Tensor:
    """The loss of one batch, under the two batch contracts of ``find_lr``."""
    if loss_fn is None:
        if not isinstance(batch, Mapping):
            raise TypeError(
                "with loss_fn=None each batch must be a dict of model inputs (with labels); "
                f"found {type(batch).__name__}"
            )
        return model(**batch).loss
    inputs, targets = batch
    return loss_fn(model(inputs), targets)


def find_lr(
    model: torch.nn.Module,
    train_dataloader: Iterable[Any],
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[..., torch.Tensor] | None = None,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_iters: int = 100,
    smooth: float = 0.98,
    diverge_factor: float = 4.0,
) -> dict[str, Any]:
    """LR range test; see the exercise stub for the full contract."""
    if not 0 < start_lr < end_lr:
        raise ValueError(f"need 0 < start_lr < end_lr; found start_lr={start_lr}, end_lr={end_lr}")
    if num_iters < 2:
        raise ValueError(f"num_iters must be at least 2; found {num_iters}")
    if not 0 <= smooth < 1:
        raise ValueError(f"smooth must be in [0, 1); found {smooth}")
    if diverge_factor <= 1:
        raise ValueError(f"diverge_factor must be > 1; found {diverge_factor}")

    # state_dict() returns live views of the tensors the optimizer updates in place:
    # only a deep copy is a backup.
    model_backup = copy.deepcopy(model.state_dict())
    optimizer_backup = copy.deepcopy(optimizer.state_dict())
    was_training = model.training

    lrs: list[float] = []
    losses: list[float] = []
    avg, best = 0.0, math.inf
    batches = _endless(train_dataloader)
    model.train()
    try:
        for i in range(num_iters):
            lr = start_lr * (end_lr / start_lr) ** (i / (num_iters - 1))
            for group in optimizer.param_groups:
                group["lr"] = lr
            loss = _batch_loss(model, next(batches), loss_fn)
            value = loss.item()
            if not math.isfinite(value):
                break  # a NaN would poison the running average forever
            # Exponential moving average, bias-corrected like Adam's moments (Kingma & Ba 2015):
            # without the correction the first points are pulled towards 0.
            avg = smooth * avg + (1 - smooth) * value
            smoothed = avg / (1 - smooth ** (i + 1))
            lrs.append(lr)  # the lr this step used, paired with this step's loss
            losses.append(smoothed)
            best = min(best, smoothed)
            if smoothed > diverge_factor * losses[0]:  # BUG: the first loss, not the best
                break
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    finally:
        model.load_state_dict(model_backup)
        optimizer.load_state_dict(optimizer_backup)
        optimizer.zero_grad()
        model.train(was_training)

    suggestions = suggest_lrs(lrs, losses, skip_start=num_iters // 10, skip_end=5)
    return {"lrs": lrs, "losses": losses, "suggestions": suggestions}
