"""Hidden checks of the ``early_stopping`` exercise: random score sequences vs the reference.

Sequences are drawn once from a fixed seed (the same questions at every grading run): noisy
random walks in both modes, with plateaus (repeated values) and NaNs mixed in.
"""

import math
import random

from autograde.spec import Check, PlainData
from autograde.visible._compare import mismatch

CANARY = "hidden-canary:early_stopping:c41d9e07"
"""Must never appear in anything shipped to students (``assignments verify`` greps for it)."""

_rng = random.Random(19980101)


def _scores(rng: random.Random, n: int, mode: str, nan_rate: float) -> list[float]:
    """A noisy walk that tends to improve, then worsen; repeats (and NaNs) on purpose."""
    direction = -1 if mode == "min" else 1
    value, scores = 1.0, []
    for i in range(n):
        drift = direction * (0.03 if i < n // 2 else -0.02)
        value += drift + rng.gauss(0, 0.02)
        roll = rng.random()
        if roll < nan_rate:
            scores.append(math.nan)
        elif roll < nan_rate + 0.1 and scores and math.isfinite(scores[-1]):
            scores.append(scores[-1])  # a plateau: equal is not better
        else:
            scores.append(round(value, 3))
    return scores


def _case(rng: random.Random, nan_rate: float) -> dict:
    mode = rng.choice(["min", "max"])
    return {
        "scores": _scores(rng, rng.randint(12, 25), mode, nan_rate),
        "patience": rng.randint(2, 5),
        "min_delta": rng.choice([0.0, 0.005, 0.02]),
        "mode": mode,
    }


def _same_trace(found: PlainData, reference: PlainData | None) -> str | None:
    message = mismatch(found, reference, where="trace", rel=1e-12)
    return message and f"on a hidden score sequence, {message}"


def _same_weights(found: PlainData, reference: PlainData | None) -> str | None:
    message = mismatch(found, reference, where="restored", rel=1e-12)
    return message and f"on a hidden run, {message}"


TRACES = {"improvement": [_case(_rng, 0.0) for _ in range(2)],
          "nan": [_case(_rng, 0.15) for _ in range(2)]}
RESTORE = {"seed": 7, **{k: v for k, v in _case(_rng, 0.1).items() if k != "min_delta"}}

CHECKS = [
    *(
        Check(
            name=f"hidden_trace_{part}_{k}", part=part, points=1, driver="trace",
            kwargs=case, judge=_same_trace, hidden=True,
            description="the epoch-by-epoch trace on a hidden sequence, against the reference",
        )
        for part, cases in TRACES.items()
        for k, case in enumerate(cases, 1)
    ),
    Check(
        name="hidden_restore", part="restore", points=1, driver="restore", kwargs=RESTORE,
        judge=_same_weights, hidden=True,
        description="the restored weights after a hidden run, against the reference",
    ),
]
