"""Mutant of focal_loss: (1 - p_t) ** gamma without clamping.

For gamma < 1 the derivative gamma (1 - p_t)^(gamma - 1) is infinite at p_t == 1, and the
backward pass multiplies it by log p_t == 0: NaN gradients for perfectly classified examples.
"""

import torch
import torch.nn.functional as F

FAILS = ("finite_gradient_gamma_half", "hidden_confident_gamma_quarter")
"""Checks that must fail on this mutant (tests/test_exercise_focal_loss.py asserts it)."""


def focal_loss(logits, targets, gamma=2.0, alpha=None, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be mean, sum or none; found {reduction!r}")
    log_pt = F.log_softmax(logits, dim=-1).gather(1, targets.unsqueeze(1)).squeeze(1)
    loss = -((1 - log_pt.exp()) ** gamma) * log_pt  # BUG: no clamp
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
