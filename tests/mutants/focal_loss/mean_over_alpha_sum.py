"""Mutant of focal_loss: with alpha, the mean divides by sum(alpha_t) instead of N.

That is weighted F.cross_entropy's convention; this exercise (like
torchvision's sigmoid_focal_loss) uses the plain mean over the N examples.
"""

FAILS = ("mean_is_plain_mean", "hidden_mean_with_alpha")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "    if alpha is not None:\n",
        "    weights = torch.ones_like(loss)\n"
        "    if alpha is not None:\n",
    ),
    (
        "loss = weights[targets.long()] * loss",
        "weights = weights[targets.long()]\n"
        "        loss = weights * loss",
    ),
    ("return loss.mean()", "return loss.sum() / weights.sum()  # BUG: divides by sum(alpha_t)"),
)
"""(old, new) replacements applied in order to the reference solution."""
