"""Mutant of focal_loss: with alpha, the mean divides by sum(alpha_t) instead of N.

That is weighted F.cross_entropy's convention; this exercise (like Lin et al. 2017 and
torchvision's sigmoid_focal_loss) uses the plain mean over the N examples.
"""

import torch
import torch.nn.functional as F

FAILS = ("mean_is_plain_mean", "hidden_mean_with_alpha")
"""Checks that must fail on this mutant (tests/test_exercise_focal_loss.py asserts it)."""


def focal_loss(logits, targets, gamma=2.0, alpha=None, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be mean, sum or none; found {reduction!r}")
    log_pt = F.log_softmax(logits, dim=-1).gather(1, targets.unsqueeze(1)).squeeze(1)
    one_minus_pt = (-torch.expm1(log_pt)).clamp(min=torch.finfo(log_pt.dtype).tiny)
    loss = -(one_minus_pt**gamma) * log_pt
    weights = torch.ones_like(loss)
    if alpha is not None:
        weights = torch.as_tensor(alpha, dtype=logits.dtype)
        if weights.shape != (logits.shape[1],):
            raise ValueError(f"alpha needs one weight per class; found {tuple(weights.shape)}")
        weights = weights[targets]
    loss = weights * loss
    if reduction == "mean":
        return loss.sum() / weights.sum()  # BUG: divides by sum(alpha_t)
    if reduction == "sum":
        return loss.sum()
    return loss
