"""Mutant of focal_loss: reduction='mean' returns the sum.

The loss (and the effective learning rate) then grows with the batch size.
"""

import torch
import torch.nn.functional as F

FAILS = ("gamma0_mean_is_cross_entropy", "mean_is_plain_mean", "hidden_mean_with_alpha")
"""Checks that must fail on this mutant (tests/test_exercise_focal_loss.py asserts it)."""


def focal_loss(logits, targets, gamma=2.0, alpha=None, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be mean, sum or none; found {reduction!r}")
    log_pt = F.log_softmax(logits, dim=-1).gather(1, targets.unsqueeze(1)).squeeze(1)
    one_minus_pt = (-torch.expm1(log_pt)).clamp(min=torch.finfo(log_pt.dtype).tiny)
    loss = -(one_minus_pt**gamma) * log_pt
    if alpha is not None:
        weights = torch.as_tensor(alpha, dtype=logits.dtype)
        if weights.shape != (logits.shape[1],):
            raise ValueError(f"alpha needs one weight per class; found {tuple(weights.shape)}")
        loss = weights[targets] * loss
    if reduction in ("mean", "sum"):
        return loss.sum()  # BUG: mean is the sum
    return loss
