"""Drivers for the ``lr_finder`` exercise (run in the sandbox, next to the student's code).

Each driver builds a tiny, deterministic training setup from plain keyword arguments, calls
the student's function and returns plain data. The setups are in float64 so that the same
seed gives the same numbers on any CPU, in the sandbox and in the grader process alike;
``initial_state`` rebuilds a setup in the grader process to know the weights and optimizer
state that ``find_lr`` must leave behind.
"""

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from autograde.spec import PlainData, StudentError

DTYPE = torch.float64
WARMUP_LR = 1e-3


@dataclass
class Setup:
    """What ``find_lr`` is called with: a model, its batches, an optimizer with state."""

    model: torch.nn.Module
    dataloader: torch.utils.data.DataLoader
    optimizer: torch.optim.Optimizer
    loss_fn: Callable[..., torch.Tensor] | None


def _classifier(
    seed: int,
    n_samples: int,
    batch_size: int,
    n_features: int = 4,
    hidden: int = 8,
    n_classes: int = 3,
    nan_batch: int | None = None,
    warmup_steps: int = 3,
) -> Setup:
    """An MLP on Gaussian blobs, ``(x, y)`` batches and an explicit cross-entropy ``loss_fn``."""
    gen = torch.Generator().manual_seed(seed)
    centers = 2.0 * torch.randn(n_classes, n_features, generator=gen, dtype=DTYPE)

    def blobs(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        y = torch.randint(0, n_classes, (n,), generator=gen)
        return centers[y] + torch.randn(n, n_features, generator=gen, dtype=DTYPE), y

    x, y = blobs(n_samples)
    warm_x, warm_y = blobs(batch_size)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(
            torch.nn.Linear(n_features, hidden, dtype=DTYPE),
            torch.nn.Tanh(),
            torch.nn.Linear(hidden, n_classes, dtype=DTYPE),
        )
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = _warmed_up_adamw(model, lambda: loss_fn(model(warm_x), warm_y), warmup_steps)
    if nan_batch is not None:  # one poisoned sample: that batch's loss is NaN
        x[nan_batch * batch_size, 0] = math.nan
    dataset = torch.utils.data.TensorDataset(x, y)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=False)
    return Setup(model, loader, optimizer, loss_fn)


def _gpt2(
    seed: int, n_samples: int, batch_size: int, seq_len: int = 12, vocab: int = 16
) -> Setup:
    """A one-layer GPT-2 on counting sequences, Hugging Face style: dict batches, ``.loss``."""
    from transformers import GPT2Config, GPT2LMHeadModel

    gen = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, vocab, (n_samples + batch_size, 1), generator=gen)
    strides = torch.randint(1, 3, (n_samples + batch_size, 1), generator=gen)
    ids = (starts + strides * torch.arange(seq_len)) % vocab
    config = GPT2Config(
        n_layer=1, n_embd=16, n_head=2, n_positions=seq_len, vocab_size=vocab,
        bos_token_id=0, eos_token_id=0,
        # no dropout: its random masks would make the curve depend on the global RNG
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = GPT2LMHeadModel(config).to(DTYPE)
    model.loss_type = "ForCausalLM"  # what GPT-2 uses anyway; saying so silences a warning
    warm = ids[n_samples:]
    optimizer = _warmed_up_adamw(model, lambda: model(input_ids=warm, labels=warm).loss, 3)
    rows = [{"input_ids": row, "labels": row} for row in ids[:n_samples]]
    loader = torch.utils.data.DataLoader(rows, batch_size=batch_size, shuffle=False)
    return Setup(model, loader, optimizer, None)


def _warmed_up_adamw(
    model: torch.nn.Module, loss: Callable[[], torch.Tensor], steps: int
) -> torch.optim.Optimizer:
    """AdamW after a few steps, so that its state (moments, step count) is worth restoring."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=WARMUP_LR, weight_decay=0.01)
    for _ in range(steps):
        optimizer.zero_grad()
        loss().backward()
        optimizer.step()
    optimizer.zero_grad()
    return optimizer


CASES: dict[str, Callable[..., Setup]] = {"classifier": _classifier, "gpt2": _gpt2}


def build(case: Mapping[str, Any]) -> Setup:
    """The setup that ``case`` (``{"kind": ..., **kwargs}``) describes."""
    kwargs = dict(case)
    kind = kwargs.pop("kind")
    if kind not in CASES:
        raise ValueError(f"unknown case kind {kind!r}; expected one of {sorted(CASES)}")
    return CASES[kind](**kwargs)


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one intra-op thread, then put the setting back.

    These models are tiny: extra threads only add synchronisation, which costs 5-20x the
    CPU time on a busy machine, and with one thread the reduction order (the last bits of
    every sum) no longer depends on how many cores the machine has.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _tensor_fingerprint(t: torch.Tensor) -> list[float]:
    """Three numbers that move whenever any entry moves: sum, sum of |x|, position-weighted sum."""
    flat = t.detach().to(torch.float64).flatten()
    weights = torch.cos(torch.arange(flat.numel(), dtype=torch.float64))
    return [float(flat.sum()), float(flat.abs().sum()), float((flat * weights).sum())]


def model_fingerprint(model: torch.nn.Module) -> dict[str, list[float]]:
    return {name: _tensor_fingerprint(t) for name, t in model.state_dict().items()}


def optimizer_fingerprint(optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """Hyper-parameters of every param group (lr included) and every per-parameter state."""
    state = optimizer.state_dict()
    groups = [
        # lr, eps, weight_decay, ...: the numbers (betas, a tuple, never changes here)
        {k: float(v) for k, v in g.items() if type(v) in (int, float)}
        for g in state["param_groups"]
    ]
    per_param = {
        str(index): {
            key: _tensor_fingerprint(v) if isinstance(v, torch.Tensor) else float(v)
            for key, v in entries.items()
        }
        for index, entries in state["state"].items()
    }
    return {"param_groups": groups, "state": per_param}


def initial_state(case: Mapping[str, Any]) -> dict[str, Any]:
    """Fingerprints of a freshly built setup: what must be left after ``find_lr`` (grader side)."""
    with one_thread():
        setup = build(case)
    return {
        "model": model_fingerprint(setup.model),
        "optimizer": optimizer_fingerprint(setup.optimizer),
    }


def _function(ns: Mapping[str, Any], name: str) -> Callable[..., Any]:
    fn = ns.get(name)
    if not callable(fn):
        raise StudentError(f"define a function named {name}: it was not found in your notebook")
    return fn


def _floats(values: Any, what: str) -> list[float]:
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise StudentError(f"{what} must be a list of numbers; found {values!r:.80}") from exc


def _suggestions(value: Any, what: str) -> dict[str, float]:
    if not isinstance(value, Mapping) or not {"steep", "minimum"} <= set(value):
        raise StudentError(
            f"{what} must be a dict with keys 'steep' and 'minimum'; found {value!r:.80}"
        )
    return {str(k): float(v) for k, v in value.items()}


def sweep(ns: Mapping[str, Any], *, case: Mapping[str, Any], **find_lr_kwargs: Any) -> PlainData:
    """Run the student's ``find_lr`` on a fresh setup; return its curve and the state after."""
    find_lr = _function(ns, "find_lr")
    with one_thread():
        setup = build(case)
        result = find_lr(
            setup.model, setup.dataloader, setup.optimizer, loss_fn=setup.loss_fn,
            **find_lr_kwargs,
        )
    if not isinstance(result, Mapping) or not {"lrs", "losses", "suggestions"} <= set(result):
        raise StudentError(
            "find_lr must return a dict with keys 'lrs', 'losses' and 'suggestions'; "
            f"found {result!r:.80}"
        )
    return {
        "lrs": _floats(result["lrs"], "result['lrs']"),
        "losses": _floats(result["losses"], "result['losses']"),
        "suggestions": _suggestions(result["suggestions"], "result['suggestions']"),
        "model_after": model_fingerprint(setup.model),
        "optimizer_after": optimizer_fingerprint(setup.optimizer),
        "n_batches": len(setup.dataloader),
    }


def suggest(
    ns: Mapping[str, Any], *, lrs: list[float], losses: list[float], skip_start: int, skip_end: int
) -> PlainData:
    """Call the student's ``suggest_lrs`` on a given curve."""
    suggest_lrs = _function(ns, "suggest_lrs")
    out = suggest_lrs(list(lrs), list(losses), skip_start=skip_start, skip_end=skip_end)
    return _suggestions(out, "suggest_lrs(...)")
