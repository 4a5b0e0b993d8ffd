"""Visible checks of the ``lr_finder`` exercise: fixed cases, expected values baked in.

The numbers below were computed once with the reference solution through the same drivers
(float64 models, so they are the same on any CPU). Judges that can tell a classic mistake
from its symptoms name it; none of them needs the reference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from autograde.drivers.lr_finder import initial_state
from autograde.exercise import close
from autograde.spec import Check, Judge, PlainData
from autograde.visible._compare import mismatch

# --- part "suggest": suggest_lrs on hand-made curves -------------------------------------


def lr_grid(n: int, low: float = 1e-5, high: float = 10.0) -> list[float]:
    """``n`` learning rates spaced evenly on a log scale from ``low`` to ``high``."""
    return [low * (high / low) ** (i / (n - 1)) for i in range(n)]


def bowl(n: int = 30) -> list[float]:
    """A clean range-test curve on ``lr_grid(n)``: flat, a lopsided fall, a blow-up.

    The fall is steepest at its start, so forward differences (the spec) and central ones
    (``np.gradient``) pick different points.
    """
    return [
        2.0 - 1.5 / (1 + math.exp(-2.5 * (x + 2.5))) ** 0.3 + 0.5 * math.exp(2.0 * (x - 0.5))
        for x in (math.log10(lr) for lr in lr_grid(n))
    ]


BOWL = {"lrs": lr_grid(30), "losses": bowl(), "skip_start": 3, "skip_end": 5}
BOWL_STEEP = BOWL["lrs"][9]  # the segment 9 -> 10 falls fastest
BOWL_MINIMUM = BOWL["lrs"][19] / 10

EDGES = {
    "lrs": lr_grid(30),
    # a noisy first point (3.0) and a spurious dip among the last five (0.3)
    "losses": [3.0, *bowl()[1:27], 0.3, *bowl()[28:]],
    "skip_start": 3,
    "skip_end": 5,
}
"""Untrimmed, the steepest drop is 3.0 -> 2.0 at lrs[0] and the lowest loss is lrs[27]."""

SHORT = {"lrs": [1e-3, 1e-2, 1e-1, 1.0], "losses": [1.0, 0.9, 0.5, 0.45],
         "skip_start": 10, "skip_end": 5}
"""Fewer points than the trims remove: the whole curve is the window."""

SINGLE = {"lrs": [1e-3], "losses": [1.0], "skip_start": 0, "skip_end": 0}


def _as_index(value: float, lrs: list[float], divisor: int) -> str:
    """Name the point of the curve that ``value`` is (``lrs[7]`` or ``lrs[7] / 10``), if any."""
    hits = [i for i, lr in enumerate(lrs) if close(value * divisor, lr, rel=1e-9)]
    if not hits:
        return "not one of the curve's lrs"
    return f"lrs[{hits[0]}]" + (f" / {divisor}" if divisor != 1 else "")


def _suggestion(key: str, expected: float, curve: Mapping[str, Any], hint: str = "") -> Judge:
    """``suggestions[key]`` must equal ``expected``; say which point of the curve was returned."""
    divisor = 10 if key == "minimum" else 1

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        value = found[key]
        if close(value, expected, rel=1e-9):
            return None
        lrs = curve["lrs"]
        return (
            f"suggestions[{key!r}] should be {expected:.6g} ({_as_index(expected, lrs, divisor)}); "
            f"yours is {value!r} ({_as_index(value, lrs, divisor)}). {hint}"
        ).strip()

    return judge


TRIM_HINT = (
    "Ignore the first skip_start and the last skip_end points: the first ones are noise, the "
    "last ones are where the loss explodes."
)


def _nan_suggestions(found: PlainData, _reference: PlainData | None) -> str | None:
    if all(isinstance(v, float) and math.isnan(v) for v in (found["steep"], found["minimum"])):
        return None
    return (
        "with a single point there is no slope: both suggestions should be float('nan'); "
        f"found {found}"
    )


# --- part "find_lr": the sweep on tiny float64 models -------------------------------------

CASE_A = {"kind": "classifier", "seed": 1, "n_samples": 48, "batch_size": 12}
"""4 batches of 12, an MLP on 3 Gaussian blobs; ``find_lr`` must cycle through them."""
SWEEP_A = {"start_lr": 1e-5, "end_lr": 1e-2, "num_iters": 12}
SMOOTHED_A = [
    1.1740851721853809, 1.149383191175741, 1.1515236757469147, 1.1349005403465586,
    1.1429591404835948, 1.1396353610441343, 1.1417325047852702, 1.1340634063278148,
    1.13813389678547, 1.1349467068971657, 1.134102063997573, 1.126805960485234,
]
RAW_A = [
    1.1740851721853809, 1.1251752497862961, 1.1556770720088194, 1.086999446361977,
    1.1736137343502477, 1.1239874031164936, 1.1534633466724973, 1.0845068511196048,
    1.167899813718465, 1.1089827117762814, 1.1265311644121294, 1.0555656105922608,
]
"""The batch losses behind ``SMOOTHED_A`` (the same sweep with ``smooth=0``)."""

CASE_B = {"kind": "classifier", "seed": 0, "n_samples": 96, "batch_size": 16}
SWEEP_B = {"start_lr": 1e-3, "end_lr": 100.0, "num_iters": 40, "smooth": 0.7}
"""The loss falls from 1.68 to 0.37 and explodes around lr = 5: the sweep stops early."""
STOP_B = 31
SUGGESTIONS_B = {"steep": 0.062355073412739145, "minimum": 0.04923882631706738}

CASE_C = {"kind": "classifier", "seed": 2, "n_samples": 72, "batch_size": 12, "nan_batch": 3}
"""Batch 3 (of 6) holds a NaN feature, so the 4th step's loss is NaN."""
SWEEP_C = {"start_lr": 1e-4, "end_lr": 1e-1, "num_iters": 20}

CASE_GPT2 = {"kind": "gpt2", "seed": 3, "n_samples": 24, "batch_size": 8}
SWEEP_GPT2 = {"start_lr": 1e-4, "end_lr": 1e-1, "num_iters": 8, "smooth": 0.9}
SMOOTHED_GPT2 = [
    2.7530157566070557, 2.763598529916061, 2.7615975409856146, 2.755396604953931,
    2.7517995705741605, 2.7353758992042168, 2.6911603658889707, 2.618446731516263,
]
"""GPT-2's loss is computed in float32 even for a float64 model: compare to 1e-5."""


def _schedule(sweep: Mapping[str, Any]) -> Judge:
    start, end, n = sweep["start_lr"], sweep["end_lr"], sweep["num_iters"]
    expected = [start * (end / start) ** (i / (n - 1)) for i in range(n)]

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        lrs = found["lrs"]
        if not lrs:
            return "lrs is empty: record the lr of every step"
        if len(lrs) > n:
            return f"lrs has {len(lrs)} entries for num_iters={n}"
        if mismatch(lrs, expected[: len(lrs)], where="lrs", rel=1e-9) is None:
            return None
        if close(lrs[0], expected[1], rel=1e-9):
            return (
                f"lrs[0] should be start_lr={start:g}, the lr of the step whose loss is "
                f"losses[0]; yours is {lrs[0]:.6g} = the lr of the next step: it looks logged "
                "one step late (after updating the lr). Record the lr a step used, with its loss"
            )
        fastai = [start * (end / start) ** (i / n) for i in range(n)]
        if mismatch(lrs, fastai[: len(lrs)], where="lrs", rel=1e-9) is None:
            return (
                f"your schedule reaches end_lr only after num_iters steps (exponent i / "
                f"num_iters); here lrs[-1] must be end_lr={end:g}: use i / (num_iters - 1)"
            )
        return (
            mismatch(lrs, expected[: len(lrs)], where="lrs", rel=1e-9)
            + " (lr_i = start_lr * (end_lr / start_lr) ** (i / (num_iters - 1)))"
        )

    return judge


def _cycles(num_iters: int) -> Judge:
    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        n, batches = len(found["lrs"]), found["n_batches"]
        if n == num_iters:
            return None
        if n == batches:
            return (
                f"the sweep stopped after {n} steps, one pass over the dataloader ({batches} "
                f"batches), instead of num_iters={num_iters}: when the dataloader runs out, "
                "start a new pass over it"
            )
        return (
            f"with learning rates too small to diverge, the sweep should run all "
            f"num_iters={num_iters} steps; yours recorded {n} (did the divergence or NaN test "
            "stop it early? check the smoothed losses)"
        )

    return judge


def _ema(raw: list[float], beta: float, *, corrected: bool) -> list[float]:
    out, avg = [], 0.0
    for i, value in enumerate(raw):
        avg = beta * avg + (1 - beta) * value
        out.append(avg / (1 - beta ** (i + 1)) if corrected else avg)
    return out


def _length_message(losses: list[float], expected: list[float], rel: float) -> str | None:
    """When the recorded steps are right but too few or too many, say that (not a value)."""
    n = min(len(losses), len(expected))
    if len(losses) == len(expected) or mismatch(losses[:n], expected[:n], where="", rel=rel):
        return None
    how = "stopped early" if len(losses) < len(expected) else "went on too long"
    return (
        f"the first {n} losses are right, but the sweep {how}: {len(losses)} steps recorded, "
        f"{len(expected)} expected"
    )


def _smoothed(expected: list[float], raw: list[float], beta: float) -> Judge:
    """``losses`` must equal ``expected``; recognise raw, uncorrected and shifted curves."""

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        losses = found["losses"]
        message = mismatch(losses, expected, where="losses", rel=1e-6)
        if message is None:
            return None
        n = min(len(losses), len(expected))
        if n == 0:
            return "losses is empty: record the smoothed loss of every step"
        length = _length_message(losses, expected, rel=1e-6)
        if length:
            return length

        def same(values: list[float], offset: int = 0) -> bool:
            pairs = list(zip(losses[offset:n], values[: n - offset], strict=False))
            return bool(pairs) and all(close(a, b, rel=1e-6) for a, b in pairs)

        if same(raw):
            return (
                "losses are the raw batch losses; record the smoothed ones: "
                f"avg = {beta} * avg + {1 - beta:.2g} * loss; smoothed = avg / (1 - {beta}**(i+1))"
            )
        if same(_ema(raw, beta, corrected=False)):
            return (
                "losses are smoothed but not bias-corrected: the running average starts at 0, "
                "so divide it by (1 - smooth**(i+1)) (i counts from 0)"
            )
        if same(expected[1:]) or (len(losses) > 1 and same(expected, offset=1)):
            return (
                f"losses[0] should be the loss at lrs[0]={found['lrs'][0]:g}; yours looks "
                "recorded one step off: append the loss of a step together with that step's lr"
            )
        return message + " (the lr of step i must be set before that step's forward pass)"

    return judge


def _first_divergence(losses: list[float], factor: float, *, against_first: bool) -> int | None:
    best = math.inf
    for i, s in enumerate(losses):
        best = min(best, s)
        if s > factor * (losses[0] if against_first else best):
            return i
    return None


def _stops_on_divergence(expected_len: int, factor: float = 4.0) -> Judge:
    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        losses = found["losses"]
        if len(losses) == expected_len:
            return None
        k = _first_divergence(losses, factor, against_first=False)
        if len(losses) > expected_len:
            if k is not None and k < len(losses) - 1:
                hint = (
                    " You seem to compare with the first loss, not the best one."
                    if _first_divergence(losses, factor, against_first=True) == len(losses) - 1
                    else ""
                )
                return (
                    f"the sweep did not stop when it diverged: losses[{k}]={losses[k]:.4g} > "
                    f"{factor:g} x the best smoothed loss so far ({min(losses[: k + 1]):.4g}), "
                    f"but it went on to {len(losses)} steps.{hint}"
                )
            return (
                f"the sweep should stop after {expected_len} steps, when the smoothed loss "
                f"exceeds {factor:g} x the best so far; yours recorded {len(losses)}"
            )
        last = len(losses) - 1
        return (
            f"the sweep stopped too early, after {len(losses)} steps (expected {expected_len}): "
            f"losses[{last}]={losses[last]:.4g} is not above {factor:g} x the best so far "
            f"({min(losses):.4g}), and the loss was finite"
        )

    return judge


def _stops_on_nan(nan_step: int) -> Judge:
    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        losses = found["losses"]
        if len(losses) == nan_step or (
            len(losses) == nan_step + 1 and not math.isfinite(losses[-1])
        ):
            return None
        if len(losses) > nan_step + 1:
            return (
                f"the sweep did not stop when the loss became NaN (at step {nan_step}); it "
                f"went on to {len(losses)} steps. Stop as soon as the loss is not finite "
                "(math.isfinite): a NaN never compares greater than anything, so the "
                "divergence test alone misses it"
            )
        return (
            f"the sweep stopped after {len(losses)} steps; only step {nan_step} has a NaN loss, "
            f"so {nan_step} finite steps should be recorded"
        )

    return judge


def _differing(found: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in expected if mismatch(found.get(k), expected[k], where=k, rel=1e-7))


def restores_model(case: Mapping[str, Any]) -> Judge:
    """The weights after ``find_lr`` must be those the setup was built with."""

    def judge(found: PlainData, reference: PlainData | None) -> str | None:
        expected = reference["model_after"] if reference else initial_state(case)["model"]
        changed = _differing(found["model_after"], expected)
        if not changed:
            return None
        return (
            f"the model weights changed after find_lr ({', '.join(changed)}): restore them "
            "from a deep copy taken before the sweep (state_dict() returns live tensors that "
            "the optimizer keeps updating, so copy.deepcopy it)"
        )

    return judge


def restores_optimizer(case: Mapping[str, Any]) -> Judge:
    """The optimizer's lr and per-parameter state after ``find_lr`` must be the initial ones."""

    def judge(found: PlainData, reference: PlainData | None) -> str | None:
        expected = reference["optimizer_after"] if reference else initial_state(case)["optimizer"]
        after = found["optimizer_after"]
        if mismatch(after["param_groups"], expected["param_groups"], where="", rel=1e-7):
            lrs = [g.get("lr") for g in after["param_groups"]]
            return (
                f"the optimizer's param_groups changed after find_lr (lr is now {lrs}, it was "
                f"{[g['lr'] for g in expected['param_groups']]}): restore the optimizer too, "
                "with optimizer.load_state_dict(a deep copy of its state_dict())"
            )
        if mismatch(after["state"], expected["state"], where="", rel=1e-7):
            return (
                "the optimizer state (AdamW's moment estimates and step counts) changed after "
                "find_lr: back it up with copy.deepcopy(optimizer.state_dict()) before the "
                "sweep (state_dict() holds live tensors) and load that copy afterwards"
            )
        return None

    return judge


def _sweep_suggestions(expected: Mapping[str, float]) -> Judge:
    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        message = mismatch(
            {k: found["suggestions"].get(k) for k in expected}, dict(expected),
            where="suggestions", rel=1e-9,
        )
        return message and (
            f"{message}. If suggest_lrs passes its own checks, call it on the smoothed losses "
            "with skip_start=num_iters // 10 and skip_end=5"
        )

    return judge


def _losses(expected: list[float], hint: str) -> Judge:
    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        message = mismatch(found["losses"], expected, where="losses", rel=1e-5)
        if message is None:
            return None
        losses = found["losses"]
        first_right = bool(losses) and close(losses[0], expected[0], rel=1e-5)
        # a right first loss means the batches are read right: the hint would mislead
        return _length_message(losses, expected, rel=1e-5) or (
            message if first_right else f"{message}. {hint}"
        )

    return judge


SUGGEST_DRIVER = "suggest"
SWEEP_DRIVER = "sweep"

CHECKS = [
    Check(
        name="steep_is_steepest_fall", part="suggest", points=1, driver=SUGGEST_DRIVER,
        kwargs=BOWL, judge=_suggestion("steep", BOWL_STEEP, BOWL, hint=(
            "Steep is the left end of the segment i -> i+1 with the most negative slope "
            "(losses[i+1] - losses[i]) / (log(lrs[i+1]) - log(lrs[i])) (forward differences, "
            "not np.gradient's central ones)."
        )),
        description="steep: the lr where the curve falls fastest (forward differences, log lr)",
    ),
    Check(
        name="minimum_is_tenth_of_lowest", part="suggest", points=1, driver=SUGGEST_DRIVER,
        kwargs=BOWL, judge=_suggestion("minimum", BOWL_MINIMUM, BOWL, hint=(
            "Minimum is the lr of the lowest loss divided by 10."
        )),
        description="minimum: the lr of the lowest loss, divided by 10",
    ),
    Check(
        name="trims_first_and_last_points", part="suggest", points=1, driver=SUGGEST_DRIVER,
        kwargs=EDGES, judge=_suggestion("steep", BOWL_STEEP, EDGES, hint=TRIM_HINT),
        description="the first skip_start and last skip_end points are ignored",
    ),
    Check(
        name="trims_before_minimum", part="suggest", points=1, driver=SUGGEST_DRIVER,
        kwargs=EDGES, judge=_suggestion("minimum", BOWL_MINIMUM, EDGES, hint=TRIM_HINT),
        description="a dip among the last skip_end points is not the minimum",
    ),
    Check(
        name="short_curve_uses_all_points", part="suggest", points=1, driver=SUGGEST_DRIVER,
        kwargs=SHORT, judge=_suggestion("steep", 0.01, SHORT, hint=(
            "When the trims leave fewer than 2 points, use the whole curve."
        )),
        description="a curve shorter than the trims is used whole",
    ),
    Check(
        name="single_point_gives_nan", part="suggest", points=1, driver=SUGGEST_DRIVER,
        kwargs=SINGLE, judge=_nan_suggestions,
        description="one point has no slope: both suggestions are NaN",
    ),
    Check(
        name="lr_schedule", part="find_lr", points=1, driver=SWEEP_DRIVER,
        kwargs={"case": CASE_A, **SWEEP_A}, judge=_schedule(SWEEP_A),
        description="lrs[i] = start_lr * (end_lr / start_lr) ** (i / (num_iters - 1))",
    ),
    Check(
        name="cycles_dataloader", part="find_lr", points=1, driver=SWEEP_DRIVER,
        kwargs={"case": CASE_A, **SWEEP_A}, judge=_cycles(SWEEP_A["num_iters"]),
        description="12 steps over a dataloader of 4 batches: it is cycled",
    ),
    Check(
        name="smoothed_losses", part="find_lr", points=1, driver=SWEEP_DRIVER,
        kwargs={"case": CASE_A, **SWEEP_A}, judge=_smoothed(SMOOTHED_A, RAW_A, 0.98),
        description="losses are bias-corrected moving averages, each paired with its step's lr",
    ),
    Check(
        name="stops_on_divergence", part="find_lr", points=1, driver=SWEEP_DRIVER,
        kwargs={"case": CASE_B, **SWEEP_B}, judge=_stops_on_divergence(STOP_B),
        description="stops once the smoothed loss exceeds 4 x the best so far",
    ),
    Check(
        name="stops_on_nan", part="find_lr", points=1, driver=SWEEP_DRIVER,
        kwargs={"case": CASE_C, **SWEEP_C}, judge=_stops_on_nan(3),
        description="stops at the first NaN loss",
    ),
    Check(
        name="restores_model_weights", part="find_lr", points=1, driver=SWEEP_DRIVER,
        kwargs={"case": CASE_B, **SWEEP_B}, judge=restores_model(CASE_B),
        description="the model's weights are exactly as before the sweep",
    ),
    Check(
        name="restores_optimizer_state", part="find_lr", points=1, driver=SWEEP_DRIVER,
        kwargs={"case": CASE_B, **SWEEP_B}, judge=restores_optimizer(CASE_B),
        description="the optimizer's lr and AdamW state are exactly as before the sweep",
    ),
    Check(
        name="suggestions_from_sweep", part="find_lr", points=1, driver=SWEEP_DRIVER,
        kwargs={"case": CASE_B, **SWEEP_B}, judge=_sweep_suggestions(SUGGESTIONS_B),
        description="suggestions come from the smoothed curve, trimmed like fastai's lr_find",
    ),
    Check(
        name="hf_style_batches", part="find_lr", points=1, driver=SWEEP_DRIVER,
        kwargs={"case": CASE_GPT2, **SWEEP_GPT2}, judge=_losses(SMOOTHED_GPT2, hint=(
            "With loss_fn=None each batch is a dict of model inputs: the loss is "
            "model(**batch).loss"
        )),
        description="loss_fn=None: dict batches, the loss is model(**batch).loss (a tiny GPT-2)",
    ),
]
