"""Reference solution of the ``focal_loss`` exercise (instructors and the grader only).

Multi-class focal loss (Lin et al. 2017), FL = -alpha_t (1 - p_t)^gamma log p_t, written so
that it stays finite where the textbook formula does not:

* log p_t comes from ``log_softmax`` (never ``log(softmax(x))``, which is -inf as soon as
  softmax underflows to 0 for the target class);
* 1 - p_t is computed as ``-expm1(log p_t)`` (exact near p_t = 1) and clamped to the
  smallest positive float before the power, because d/du u^gamma = gamma u^(gamma-1) is
  infinite at u = 0 for gamma < 1, and 0 * inf is NaN in the backward pass.

With alpha, "mean" is the plain mean over the N examples, as in torchvision's
``sigmoid_focal_loss`` (weighted ``F.cross_entropy`` instead divides by sum(alpha_t)).
"""

from collections.abc import Sequence

import torch
import torch.nn.functional as F

REDUCTIONS = ("mean", "sum", "none")


def focal_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    gamma: float = 2.0,
    alpha: Sequence[float] | torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    """Multi-class focal loss; see the exercise's stub for the full contract."""
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape [N, C]; found shape {tuple(logits.shape)}")
    n, c = logits.shape
    if targets.shape != (n,):
        raise ValueError(f"targets must have shape [{n}]; found shape {tuple(targets.shape)}")
    if gamma < 0:
        raise ValueError(f"gamma must be >= 0; found {gamma}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}; found {reduction!r}")

    log_pt = F.log_softmax(logits, dim=-1).gather(1, targets.long().unsqueeze(1)).squeeze(1)
    one_minus_pt = (-torch.expm1(log_pt)).clamp(min=torch.finfo(log_pt.dtype).tiny)
    loss = -(one_minus_pt**gamma) * log_pt

    if alpha is not None:
        weights = torch.as_tensor(alpha, dtype=logits.dtype, device=logits.device)
        if weights.shape != (c,):
            raise ValueError(
                f"alpha must hold one weight per class, shape [{c}]; "
                f"found shape {tuple(weights.shape)}"
            )
        loss = weights[targets.long()] * loss

    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
