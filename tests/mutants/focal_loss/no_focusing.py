"""Mutant of focal_loss: the modulating factor (1 - p_t)^gamma is missing.

What is left is alpha-weighted cross-entropy: easy examples are not down-weighted.
"""

import torch
import torch.nn.functional as F

FAILS = ("gamma2_per_example", "gamma_half_per_example", "hidden_gamma_1_5")
"""Checks that must fail on this mutant (tests/test_exercise_focal_loss.py asserts it)."""


def focal_loss(logits, targets, gamma=2.0, alpha=None, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be mean, sum or none; found {reduction!r}")
    log_pt = F.log_softmax(logits, dim=-1).gather(1, targets.unsqueeze(1)).squeeze(1)
    loss = -log_pt  # BUG: no (1 - p_t) ** gamma
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
