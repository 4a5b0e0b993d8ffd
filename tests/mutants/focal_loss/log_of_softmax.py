"""Mutant of focal_loss: log(softmax(x)) instead of log_softmax(x).

softmax underflows to exactly 0 for a target logit ~50 below the largest one; log(0) = -inf,
so the loss is inf and its gradient NaN.
"""

import torch

FAILS = ("large_logits_finite", "hidden_large_logits")
"""Checks that must fail on this mutant (tests/test_exercise_focal_loss.py asserts it)."""


def focal_loss(logits, targets, gamma=2.0, alpha=None, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be mean, sum or none; found {reduction!r}")
    probs = torch.softmax(logits, dim=-1)
    log_pt = torch.log(probs).gather(1, targets.unsqueeze(1)).squeeze(1)  # BUG
    one_minus_pt = (-torch.expm1(log_pt)).clamp(min=torch.finfo(log_pt.dtype).tiny)
    loss = -(one_minus_pt**gamma) * log_pt
    if alpha is not None:
        weights = torch.as_tensor(alpha, dtype=logits.dtype)
        if weights.shape != (logits.shape[1],):
            raise ValueError(f"alpha needs one weight per class; found {tuple(weights.shape)}")
        loss = weights[targets] * loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
