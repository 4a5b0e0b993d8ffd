"""Mutant of focal_loss: log(softmax(x)) instead of log_softmax(x).

softmax underflows to exactly 0 for a target logit ~50 below the largest one; log(0) = -inf,
so the loss is inf and its gradient NaN.
"""

FAILS = ("large_logits_finite", "hidden_large_logits")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "log_pt = F.log_softmax(logits, dim=-1)",
        "probs = torch.softmax(logits, dim=-1)  # BUG: log(softmax), not log_softmax\n"
        "    log_pt = torch.log(probs)",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
