"""Drivers for the ``early_stopping`` exercise (run in the sandbox, next to the student's code).

``trace`` feeds a sequence of validation scores to the student's ``EarlyStopping`` and
records its state after every epoch; ``restore`` trains a tiny model whose weights change in
place every epoch (as an optimizer changes them) and reports the weights ``restore`` brings
back; ``construct`` reports how a constructor call with bad arguments fails.
"""

from collections.abc import Mapping
from typing import Any

import torch

from autograde.spec import PlainData, StudentError

STATE = ("counter", "best_score", "best_epoch")
WEIGHT_STEP = 0.125
"""Every epoch adds this to every weight (exact in binary, so expected weights are exact)."""


def _class(ns: Mapping[str, Any]) -> type:
    cls = ns.get("EarlyStopping")
    if not isinstance(cls, type):
        raise StudentError("define a class named EarlyStopping: it was not found in your notebook")
    return cls


def _number(value: Any, what: str) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise StudentError(f"{what} must be a number or None; found {value!r:.60}") from exc


def _state(stopper: Any) -> dict[str, Any]:
    missing = [a for a in (*STATE, "stopped_epoch") if not hasattr(stopper, a)]
    if missing:
        raise StudentError(f"EarlyStopping instances need the attributes {missing}")
    return {a: _number(getattr(stopper, a), a) for a in STATE}


def trace(
    ns: Mapping[str, Any],
    *,
    scores: list[float],
    patience: int,
    min_delta: float = 0.0,
    mode: str = "min",
    use_call: bool = False,
) -> PlainData:
    """One entry per epoch until the first ``True`` (included): the answer and the state."""
    stopper = _class(ns)(patience=patience, min_delta=min_delta, mode=mode)
    epochs = []
    for score in scores:
        stop = stopper(score) if use_call else stopper.step(score)
        if not isinstance(stop, bool):
            raise StudentError(f"step() must return True or False; found {stop!r:.60}")
        epochs.append({"stop": stop, **_state(stopper)})
        if stop:
            break
    return {"epochs": epochs, "stopped_epoch": _number(stopper.stopped_epoch, "stopped_epoch")}


def tiny_model(seed: int) -> torch.nn.Module:
    """A 3 -> 2 linear layer in float64; the grader rebuilds it to know the initial weights."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return torch.nn.Linear(3, 2, dtype=torch.float64)


def weights(model: torch.nn.Module) -> list[float]:
    return [float(v) for t in model.state_dict().values() for v in t.flatten()]


def restore(
    ns: Mapping[str, Any], *, seed: int, scores: list[float], patience: int, mode: str = "min"
) -> PlainData:
    """Epoch ``e`` sets the weights to initial + (e + 1) * WEIGHT_STEP, then reports its score."""
    model = tiny_model(seed)
    stopper = _class(ns)(patience=patience, mode=mode, restore_best_weights=True)
    for score in scores:
        with torch.no_grad():
            for p in model.parameters():
                p.add_(WEIGHT_STEP)  # in place, like optimizer.step()
        if stopper.step(score, model):
            break
    stopper.restore(model)
    return {"weights": weights(model), "best_epoch": _number(stopper.best_epoch, "best_epoch")}


def construct(ns: Mapping[str, Any], **kwargs: Any) -> PlainData:
    """How ``EarlyStopping(**kwargs)`` fails: the exception's type and message, or None."""
    try:
        _class(ns)(**kwargs)
    except StudentError:
        raise
    except Exception as exc:  # the point is to see what the student raises
        return {"raised": type(exc).__name__, "message": str(exc)[:300]}
    return {"raised": None, "message": ""}


def expected_weights(seed: int, best_epoch: int) -> list[float]:
    """The weights of epoch ``best_epoch`` in ``restore`` (grader side)."""
    shift = (best_epoch + 1) * WEIGHT_STEP
    return [w + shift for w in weights(tiny_model(seed))]

