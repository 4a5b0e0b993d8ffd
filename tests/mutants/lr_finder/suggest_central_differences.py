"""Mutant of lr_finder.

Suggest_lrs takes the steepest point with central differences (np.gradient).
"""

FAILS = ("steep_is_steepest_fall", "trims_first_and_last_points")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "import torch\n",
        "import numpy as np\n"
        "import torch\n",
    ),
    (
        "    slopes = [\n"
        "        (losses[b] - losses[a]) / (math.log(lrs[b]) - math.log(lrs[a]))\n"
        "        for a, b in itertools.pairwise(idx)\n"
        "    ]\n",
        "    # BUG: central differences (one slope per point) instead of forward ones\n"
        "    slopes = [s / (math.log(lrs[1]) - math.log(lrs[0]))\n"
        "              for s in np.gradient([losses[i] for i in idx])][:-1]\n",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
