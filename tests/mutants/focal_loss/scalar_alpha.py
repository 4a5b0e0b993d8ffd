"""Mutant of focal_loss: one scalar alpha for every class.

The paper's alpha=0.25 copied as a scalar: every example gets the same weight, which only
rescales the loss and does nothing for class imbalance.
"""

import torch
import torch.nn.functional as F

FAILS = ("alpha_weights_by_class", "alpha_as_tensor", "hidden_alpha_5_classes")
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
        loss = weights[0] * loss  # BUG: the first weight, for every class
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
