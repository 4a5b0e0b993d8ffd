"""Hidden checks of the ``lr_finder`` exercise: randomized cases compared with the reference.

The cases are drawn once from a fixed seed, so every grading run asks the same questions;
they differ from the visible ones in seeds, sizes, lr ranges and smoothing.
"""

import math
import random

from autograde.spec import Check, Judge, PlainData
from autograde.visible._compare import mismatch
from autograde.visible.lr_finder import lr_grid, restores_model, restores_optimizer

CANARY = "hidden-canary:lr_finder:7f3c2a91"
"""Must never appear in anything shipped to students (``assignments verify`` greps for it)."""

_rng = random.Random(20171206)


def _noisy_curve(rng: random.Random, n: int) -> list[float]:
    """A loss-like curve: a plateau, a fall, a blow-up, with multiplicative noise."""
    x0 = rng.uniform(0.3, 0.6) * n
    return [
        (1.0 + 2.0 / (1 + math.exp((i - x0) / 3)) + 0.05 * math.exp(0.4 * (i - 0.8 * n)))
        * rng.uniform(0.95, 1.05)
        for i in range(n)
    ]


def _curve_case(rng: random.Random) -> dict:
    n = rng.randint(20, 60)
    return {
        "lrs": lr_grid(n, 10 ** rng.uniform(-7, -5), 10 ** rng.uniform(0, 1)),
        "losses": _noisy_curve(rng, n),
        "skip_start": rng.randint(0, 6),
        "skip_end": rng.randint(0, 6),
    }


def _sweep_case(rng: random.Random, **extra: int) -> dict:
    return {
        "case": {
            "kind": "classifier",
            "seed": rng.randrange(10_000),
            "n_samples": rng.choice([40, 64, 80]),
            "batch_size": rng.choice([8, 16]),
            "hidden": rng.choice([6, 10]),
            **extra,
        },
        "start_lr": 10 ** rng.uniform(-6, -4),
        "end_lr": 10 ** rng.uniform(0.5, 2),
        "num_iters": rng.randint(25, 45),
        "smooth": rng.choice([0.8, 0.9, 0.98]),
    }


def _same_curve(found: PlainData, reference: PlainData | None) -> str | None:
    keys = ("lrs", "losses", "suggestions")
    message = mismatch(
        {k: found[k] for k in keys}, {k: reference[k] for k in keys}, where="result", rel=1e-6
    )
    return message and f"on a hidden case, {message}"


def _same_suggestions(found: PlainData, reference: PlainData | None) -> str | None:
    message = mismatch(found, reference, where="suggestions", rel=1e-9)
    return message and f"on a hidden curve, {message}"


def _restores_all(case: dict) -> Judge:
    """Both the weights and the optimizer must be back to the reference's (initial) state."""
    model, optimizer = restores_model(case), restores_optimizer(case)

    def judge(found: PlainData, reference: PlainData | None) -> str | None:
        message = model(found, reference) or optimizer(found, reference)
        return message and f"on a hidden case, {message}"

    return judge


CURVES = [_curve_case(_rng) for _ in range(2)]
SWEEPS = [_sweep_case(_rng) for _ in range(3)]
NAN_SWEEP = _sweep_case(_rng, nan_batch=2)

CHECKS = [
    *(
        Check(
            name=f"hidden_suggest_{k}", part="suggest", points=1, driver="suggest",
            kwargs=curve, judge=_same_suggestions, hidden=True,
            description="suggestions on a noisy curve, against the reference",
        )
        for k, curve in enumerate(CURVES, 1)
    ),
    *(
        Check(
            name=f"hidden_sweep_{k}", part="find_lr", points=1, driver="sweep",
            kwargs=sweep, judge=_same_curve, hidden=True,
            description="lrs, smoothed losses and suggestions of a sweep, against the reference",
        )
        for k, sweep in enumerate(SWEEPS, 1)
    ),
    Check(
        name="hidden_restores_state", part="find_lr", points=1, driver="sweep",
        kwargs=SWEEPS[0],
        judge=_restores_all(SWEEPS[0]["case"]), hidden=True,
        description="model and optimizer are restored after a sweep that diverged",
    ),
    Check(
        name="hidden_stops_on_nan", part="find_lr", points=1, driver="sweep",
        kwargs=NAN_SWEEP, judge=_same_curve, hidden=True,
        description="a NaN loss at a hidden step stops the sweep",
    ),
]
