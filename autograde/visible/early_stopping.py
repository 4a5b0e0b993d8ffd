"""Visible checks of the ``early_stopping`` exercise: fixed score sequences, expected traces.

A trace row is what ``step`` returned at one epoch and the state after it:
``(stop, counter, best_score, best_epoch)``, one row per epoch until the first ``True``.
The rows below follow from the rules in the exercise's docstring (worked out by hand, and
equal to the reference's output); the judge names the first epoch and field that differ.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from autograde.drivers.early_stopping import expected_weights
from autograde.exercise import close
from autograde.spec import Check, Judge, PlainData

NAN = math.nan
Row = tuple[bool, int, float | None, int | None]
FIELDS = ("stop", "counter", "best_score", "best_epoch")


def _same(found: Any, expected: Any) -> bool:
    if expected is None or isinstance(expected, bool):
        return found is expected
    return close(found, float(expected), rel=1e-12)


def _show(value: Any) -> str:
    """Counters and epochs cross the sandbox boundary as floats: show 2.0 as 2."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def trace_judge(case: Mapping[str, Any], rows: list[Row], hint: str) -> Judge:
    """The trace of ``case`` must be ``rows``; ``stopped_epoch`` the last row's if it stops."""
    scores = case["scores"]
    stopped = len(rows) - 1 if rows[-1][0] else None

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        epochs = found["epochs"]
        for e, row in enumerate(rows):
            if e == len(epochs):
                return f"step() returned True at epoch {e - 1}; expected False there. {hint}"
            for key, want in zip(FIELDS, row, strict=True):
                if not _same(epochs[e][key], want):
                    return (
                        f"after epoch {e} (score {scores[e]}), {key} should be {_show(want)}; "
                        f"yours is {_show(epochs[e][key])}. {hint}"
                    )
        if len(epochs) > len(rows):
            return f"step() should return True at epoch {len(rows) - 1}. {hint}"
        if not _same(found["stopped_epoch"], stopped):
            return (
                f"stopped_epoch should be {stopped!r} (the epoch whose step() first returned "
                f"True, None if none did); yours is {_show(found['stopped_epoch'])}"
            )
        return None

    return judge


def _weights_judge(case: Mapping[str, Any], best_epoch: int) -> Judge:
    expected = expected_weights(case["seed"], best_epoch)

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        if not _same(found["best_epoch"], best_epoch):
            return f"best_epoch should be {best_epoch}; yours is {_show(found['best_epoch'])}"
        if all(close(a, b, rel=1e-12) for a, b in zip(found["weights"], expected, strict=True)):
            return None
        return (
            f"restore(model) did not bring back the weights of the best epoch ({best_epoch}). "
            "model.state_dict() shares storage with the parameters, which training keeps "
            "updating in place: keep copy.deepcopy(model.state_dict()) at each improvement"
        )

    return judge


def _rejects(argument: str, value: Any) -> Judge:
    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        call = f"EarlyStopping({argument}={value!r})"
        if found["raised"] != "ValueError":
            what = f"raised {found['raised']}" if found["raised"] else "was accepted"
            return f"{call} should raise ValueError; it {what}"
        if repr(value) not in found["message"] and str(value) not in found["message"]:
            return (
                f"{call} raised ValueError({found['message']!r}): say what was found "
                f"({value!r}) and what was expected"
            )
        return None

    return judge


STOPS = {"scores": [1.0, 0.8, 0.9, 0.85, 0.95, 0.7], "patience": 3}
STOPS_ROWS: list[Row] = [
    (False, 0, 1.0, 0), (False, 0, 0.8, 1), (False, 1, 0.8, 1), (False, 2, 0.8, 1),
    (True, 3, 0.8, 1),
]
EQUAL = {"scores": [1.0, 1.0, 1.0, 1.0], "patience": 2}
RESETS = {"scores": [1.0, 1.1, 1.2, 0.9, 1.0, 1.1, 1.2], "patience": 3}
MIN_DELTA = {"scores": [1.0, 0.95, 0.85, 0.8, 0.78, 0.7], "patience": 2, "min_delta": 0.1}
MAX = {"scores": [0.5, 0.6, 0.55, 0.58, 0.59, 0.7], "patience": 3, "mode": "max"}
MAX_DELTA = {"scores": [0.5, 0.54, 0.56, 0.57, 0.6], "patience": 3, "mode": "max",
             "min_delta": 0.05}
NAN_MIDDLE = {"scores": [1.0, NAN, 0.9, NAN, NAN], "patience": 2}
NAN_FIRST = {"scores": [NAN, 1.0, 1.1], "patience": 5}
NAN_MAX = {"scores": [0.5, NAN, NAN, NAN], "patience": 3, "mode": "max"}
RESTORE = {"seed": 0, "scores": [1.0, 0.7, 0.8, 0.9, 0.95], "patience": 3}
RESTORE_MAX = {"seed": 1, "scores": [0.2, 0.5, 0.9, 0.6, 0.7, 0.8], "patience": 5,
               "mode": "max"}

STRICT = "Improvement is strict: score < best_score - min_delta (mode='min')."
RESET = "The counter goes back to 0 at every improvement, and only then."
DELTA = (
    "min_delta is an absolute margin: in mode='min' a score improves only if it is below "
    "best_score - min_delta; in mode='max' only if it is above best_score + min_delta."
)
NAN_HINT = (
    "A NaN score is never an improvement (every comparison with NaN is False, so test "
    "math.isfinite first): it counts as an epoch without improvement, and the first finite "
    "score sets best_score."
)


def _trace_check(name: str, part: str, case: dict, rows: list[Row], hint: str,
                 description: str, **extra: Any) -> Check:
    return Check(name=name, part=part, points=1, driver="trace", kwargs={**case, **extra},
                 judge=trace_judge(case, rows, hint), description=description)


CHECKS = [
    _trace_check("stops_after_patience", "improvement", STOPS, STOPS_ROWS,
                 "Stop when counter >= patience.",
                 "step() returns True once `patience` epochs in a row did not improve"),
    _trace_check("call_is_step", "improvement", STOPS, STOPS_ROWS,
                 "Calling the instance must do exactly what step() does.",
                 "early_stopping(score) is the same as early_stopping.step(score)",
                 use_call=True),
    _trace_check("equal_is_not_improvement", "improvement", EQUAL,
                 [(False, 0, 1.0, 0), (False, 1, 1.0, 0), (True, 2, 1.0, 0)], STRICT,
                 "a score equal to the best is not an improvement"),
    _trace_check("counter_resets_on_improvement", "improvement", RESETS,
                 [(False, 0, 1.0, 0), (False, 1, 1.0, 0), (False, 2, 1.0, 0),
                  (False, 0, 0.9, 3), (False, 1, 0.9, 3), (False, 2, 0.9, 3),
                  (True, 3, 0.9, 3)], RESET,
                 "an improvement resets the counter to 0"),
    _trace_check("min_delta_in_min_mode", "improvement", MIN_DELTA,
                 [(False, 0, 1.0, 0), (False, 1, 1.0, 0), (False, 0, 0.85, 2),
                  (False, 1, 0.85, 2), (True, 2, 0.85, 2)], DELTA,
                 "mode='min': an improvement must beat best_score - min_delta"),
    _trace_check("max_mode", "improvement", MAX,
                 [(False, 0, 0.5, 0), (False, 0, 0.6, 1), (False, 1, 0.6, 1),
                  (False, 2, 0.6, 1), (True, 3, 0.6, 1)],
                 "mode='max': higher scores are better (e.g. accuracy).",
                 "mode='max': higher is better"),
    _trace_check("min_delta_in_max_mode", "improvement", MAX_DELTA,
                 [(False, 0, 0.5, 0), (False, 1, 0.5, 0), (False, 0, 0.56, 2),
                  (False, 1, 0.56, 2), (False, 2, 0.56, 2)], DELTA,
                 "mode='max': an improvement must beat best_score + min_delta"),
    _trace_check("nan_is_no_improvement", "nan", NAN_MIDDLE,
                 [(False, 0, 1.0, 0), (False, 1, 1.0, 0), (False, 0, 0.9, 2),
                  (False, 1, 0.9, 2), (True, 2, 0.9, 2)], NAN_HINT,
                 "a NaN score counts as an epoch without improvement"),
    _trace_check("nan_before_first_score", "nan", NAN_FIRST,
                 [(False, 1, None, None), (False, 0, 1.0, 1), (False, 1, 1.0, 1)], NAN_HINT,
                 "a NaN first score sets nothing; the first finite score becomes the best"),
    _trace_check("nan_in_max_mode", "nan", NAN_MAX,
                 [(False, 0, 0.5, 0), (False, 1, 0.5, 0), (False, 2, 0.5, 0),
                  (True, 3, 0.5, 0)], NAN_HINT,
                 "NaN is no improvement in mode='max' either"),
    Check(name="restores_best_weights", part="restore", points=1, driver="restore",
          kwargs=RESTORE, judge=_weights_judge(RESTORE, best_epoch=1),
          description="restore(model) loads the weights of the best epoch"),
    Check(name="restores_best_weights_max_mode", part="restore", points=1, driver="restore",
          kwargs=RESTORE_MAX, judge=_weights_judge(RESTORE_MAX, best_epoch=2),
          description="restore(model) after a run that never stopped, mode='max'"),
    Check(name="rejects_unknown_mode", part="validation", points=1, driver="construct",
          kwargs={"mode": "minimum"}, judge=_rejects("mode", "minimum"),
          description="mode must be 'min' or 'max'"),
    Check(name="rejects_negative_patience", part="validation", points=1, driver="construct",
          kwargs={"patience": -1}, judge=_rejects("patience", -1),
          description="patience must be >= 0"),
    Check(name="rejects_negative_min_delta", part="validation", points=1, driver="construct",
          kwargs={"min_delta": -0.01}, judge=_rejects("min_delta", -0.01),
          description="min_delta must be >= 0"),
]
