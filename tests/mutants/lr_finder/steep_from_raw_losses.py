"""Mutant of lr_finder.

Suggests from the raw (unsmoothed) batch losses, with argmin of np.gradient, untrimmed.
"""

FAILS = ("suggestions_from_sweep",)
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "import torch\n",
        "import numpy as np\n"
        "import torch\n",
    ),
    (
        "    losses: list[float] = []\n",
        "    losses: list[float] = []\n"
        "    raw: list[float] = []\n",
    ),
    (
        "            losses.append(smoothed)\n",
        "            losses.append(smoothed)\n"
        "            raw.append(value)\n",
    ),
    (
        "    suggestions = suggest_lrs(lrs, losses, skip_start=num_iters // 10, skip_end=5)\n",
        "    # BUG: the noisy raw losses, whole, with central differences\n"
        "    steep = lrs[int(np.argmin(np.gradient(raw)))] if len(raw) > 1 else math.nan\n"
        "    minimum = lrs[int(np.argmin(raw))] / 10 if raw else math.nan\n"
        '    suggestions = {"steep": steep, "minimum": minimum}\n',
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
