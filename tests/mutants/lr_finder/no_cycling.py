"""Mutant of lr_finder.

Makes one pass over the dataloader and stops when it runs out.
"""

FAILS = ("cycles_dataloader",)
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "batches = _endless(train_dataloader)",
        "batches = iter(train_dataloader)  # BUG: one pass only",
    ),
    (
        "            loss = _batch_loss(model, next(batches), loss_fn)\n",
        "            batch = next(batches, None)\n"
        "            if batch is None:\n"
        "                break\n"
        "            loss = _batch_loss(model, batch, loss_fn)\n",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
