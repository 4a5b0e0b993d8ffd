"""Drivers of the ``focal_loss`` exercise: they run next to the student's code.

Each driver builds a batch from plain arguments (seed, sizes, logit scale), calls the
student's ``focal_loss`` and returns plain data (see ``autograde.spec``). Batches come from a
seeded ``torch.Generator`` on the CPU, so the same arguments give the same batch on every
machine; the grader runs the same drivers on the reference for hidden checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from autograde.spec import PlainData, StudentError

SIGNATURE = "focal_loss(logits, targets, gamma=2.0, alpha=None, reduction='mean')"

CONFIDENT_LOGIT = 100.0
"""A target logit this far above the others makes p_t round to exactly 1.0 in float32."""


def make_batch(
    seed: int, n: int, c: int, scale: float, confident_rows: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits ``scale * N(0, 1)`` of shape [n, c] and uniform targets; the first
    ``confident_rows`` rows get ``CONFIDENT_LOGIT`` on their target (p_t == 1 exactly)."""
    generator = torch.Generator().manual_seed(seed)
    logits = scale * torch.randn(n, c, generator=generator)
    targets = torch.randint(c, (n,), generator=generator)
    rows = torch.arange(confident_rows)
    logits[rows, targets[rows]] = CONFIDENT_LOGIT
    return logits, targets


def _student_fn(ns: Mapping[str, Any]) -> Callable[..., Any]:
    fn = ns.get("focal_loss")
    if not callable(fn):
        raise StudentError(f"define a function {SIGNATURE}; found {type(fn).__name__}")
    return fn


def _as_tensor(value: Any, expected_shape: tuple[int, ...], what: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise StudentError(f"{what} should return a torch.Tensor; found {type(value).__name__}")
    if tuple(value.shape) != expected_shape:
        raise StudentError(
            f"{what} should return a tensor of shape {list(expected_shape)}; "
            f"found shape {list(value.shape)}"
        )
    return value


def _alpha_arg(alpha: list[float] | None, as_tensor: bool) -> list[float] | torch.Tensor | None:
    return torch.tensor(alpha) if as_tensor and alpha is not None else alpha


def loss(
    ns: Mapping[str, Any],
    *,
    seed: int,
    n: int,
    c: int,
    scale: float = 1.0,
    gamma: float = 2.0,
    alpha: list[float] | None = None,
    alpha_as_tensor: bool = False,
    reduction: str = "mean",
) -> PlainData:
    """The loss on one batch: a float (mean, sum) or a list of N floats (none)."""
    logits, targets = make_batch(seed, n, c, scale)
    value = _student_fn(ns)(
        logits, targets, gamma=gamma, alpha=_alpha_arg(alpha, alpha_as_tensor), reduction=reduction
    )
    shape = (n,) if reduction == "none" else ()
    return _as_tensor(value, shape, f"focal_loss(..., reduction={reduction!r})").tolist()


def reductions(
    ns: Mapping[str, Any],
    *,
    seed: int,
    n: int,
    c: int,
    scale: float = 1.0,
    gamma: float = 2.0,
    alpha: list[float] | None = None,
) -> PlainData:
    """The three reductions of the same batch, plus the targets (for alpha-weighted sums)."""
    logits, targets = make_batch(seed, n, c, scale)
    fn = _student_fn(ns)
    out: dict[str, PlainData] = {"targets": targets.tolist()}
    for reduction in ("mean", "sum", "none"):
        value = fn(logits, targets, gamma=gamma, alpha=alpha, reduction=reduction)
        shape = (n,) if reduction == "none" else ()
        what = f"focal_loss(..., reduction={reduction!r})"
        out[reduction] = _as_tensor(value, shape, what).tolist()
    return out


def alpha_ratios(
    ns: Mapping[str, Any],
    *,
    seed: int,
    n: int,
    c: int,
    alpha: list[float],
    scale: float = 1.0,
    gamma: float = 2.0,
) -> PlainData:
    """Per-example loss with ``alpha`` divided by the loss without it: should be alpha_t."""
    logits, targets = make_batch(seed, n, c, scale)
    fn = _student_fn(ns)
    what = "focal_loss(..., reduction='none')"
    weighted, plain = (
        _as_tensor(fn(logits, targets, gamma=gamma, alpha=a, reduction="none"), (n,), what)
        for a in (alpha, None)
    )
    return {"targets": targets.tolist(), "ratios": (weighted / plain).tolist()}


def gradient(
    ns: Mapping[str, Any],
    *,
    seed: int,
    n: int,
    c: int,
    gamma: float,
    scale: float = 1.0,
    confident_rows: int = 0,
    alpha: list[float] | None = None,
) -> PlainData:
    """Summed loss and its gradient w.r.t. the logits, with finiteness flags."""
    logits, targets = make_batch(seed, n, c, scale, confident_rows)
    logits.requires_grad_(True)
    value = _student_fn(ns)(logits, targets, gamma=gamma, alpha=alpha, reduction="sum")
    value = _as_tensor(value, (), "focal_loss(..., reduction='sum')")
    if not value.requires_grad:
        raise StudentError(
            "the loss does not depend on the logits through autograd (did you call .item(), "
            ".detach() or go through NumPy?); a training loss must be differentiable"
        )
    (grad,) = torch.autograd.grad(value, logits)
    return {
        "loss": value.item(),
        "grad": grad.tolist(),
        "loss_finite": bool(torch.isfinite(value)),
        "grad_finite": bool(torch.isfinite(grad).all()),
    }


def raises(ns: Mapping[str, Any], *, case: str) -> PlainData:
    """Which exception (if any) bad input raises: ``case`` is ``reduction`` or ``alpha_length``."""
    fn = _student_fn(ns)
    logits, targets = make_batch(0, 4, 3, 1.0)
    kwargs: dict[str, Any] = {
        "reduction": {"reduction": "avg"},
        "alpha_length": {"alpha": [0.5, 0.5]},
    }[case]
    try:
        fn(logits, targets, **kwargs)
    except Exception as exc:  # the exception's type is the answer
        return {"raised": type(exc).__name__, "message": str(exc)}
    return {"raised": None, "message": ""}
