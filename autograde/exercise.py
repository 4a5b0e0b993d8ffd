"""Find an exercise's pieces and judge one check (see ``autograde.spec`` for the layout).

This module is the one place that knows where drivers, visible checks, the reference and the
hidden checks live. The sandboxed engine and the student's local ``check_part`` both use it,
so a check means the same thing in a notebook and at grading time.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import os
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from autograde.spec import Check, PlainData, StudentError

REPO_ROOT = Path(__file__).resolve().parent.parent


def solutions_dir() -> Path:
    """Folder with reference solutions and hidden checks (instructors and the grader only).

    ``AUTOGRADE_SOLUTIONS`` overrides the default ``<repo>/solutions``.
    """
    return Path(os.environ.get("AUTOGRADE_SOLUTIONS", REPO_ROOT / "solutions")).resolve()


def extra_exercise_dirs() -> list[Path]:
    """Folders holding the public pieces (``drivers/X.py``, ``visible/X.py``) of extra exercises.

    ``AUTOGRADE_EXERCISES`` (``os.pathsep``-separated) lets tests and courses grade exercises
    kept outside the package without touching ``autograde/drivers`` or ``autograde/visible``.
    """
    value = os.environ.get("AUTOGRADE_EXERCISES", "")
    return [Path(p).resolve() for p in value.split(os.pathsep) if p]


def _public_dirs() -> list[Path]:
    return [Path(__file__).parent, *extra_exercise_dirs()]


def exercise_ids() -> list[str]:
    """Every exercise that has visible checks, sorted."""
    stems = {p.stem for d in _public_dirs() for p in (d / "visible").glob("*.py")}
    return sorted(s for s in stems if not s.startswith("_"))


def _public_module(exercise: str, kind: str) -> ModuleType:
    """``autograde.<kind>.<exercise>``, or the same file from an extra folder (loaded once)."""
    for folder in extra_exercise_dirs():
        path = folder / kind / f"{exercise}.py"
        if path.is_file():
            name = f"_autograde_extra_{kind}_{exercise}"
            if name not in sys.modules:
                sys.modules[name] = _load_private(path, name)
            return sys.modules[name]
    return importlib.import_module(f"autograde.{kind}.{exercise}")


def _require_exercise(exercise: str) -> None:
    if exercise not in exercise_ids():
        raise KeyError(f"unknown exercise {exercise!r}; expected one of {exercise_ids()}")


def drivers(exercise: str) -> ModuleType:
    """The public driver module ``autograde.drivers.<exercise>``."""
    _require_exercise(exercise)
    return _public_module(exercise, "drivers")


def visible_checks(exercise: str) -> list[Check]:
    """Checks a student can run locally: expected values are baked in."""
    _require_exercise(exercise)
    return list(_public_module(exercise, "visible").CHECKS)


def _load_private(path: Path, module_name: str) -> ModuleType:
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: reference solutions and hidden checks are only on the "
            "instructor's machine (set AUTOGRADE_SOLUTIONS to their folder)"
        )
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference(exercise: str) -> ModuleType:
    """The reference solution ``solutions/<exercise>.py``, loaded by path (never installed)."""
    _require_exercise(exercise)
    return _load_private(solutions_dir() / f"{exercise}.py", f"_reference_{exercise}")


def hidden_checks(exercise: str) -> list[Check]:
    """Checks that compare with the reference on randomized inputs (grader only)."""
    _require_exercise(exercise)
    module = _load_private(solutions_dir() / "hidden" / f"{exercise}.py", f"_hidden_{exercise}")
    return list(module.CHECKS)


def all_checks(exercise: str, *, include_hidden: bool) -> list[Check]:
    checks = visible_checks(exercise)
    if include_hidden:
        checks += hidden_checks(exercise)
    names = [c.name for c in checks]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ValueError(f"{exercise}: check names must be unique; repeated: {sorted(duplicated)}")
    return checks


def parts(exercise: str, *, include_hidden: bool = True) -> dict[str, float]:
    """Part -> points (the nbgrader test cell ``test_<part>`` carries these points)."""
    totals: dict[str, float] = {}
    for check in all_checks(exercise, include_hidden=include_hidden):
        totals[check.part] = totals.get(check.part, 0.0) + check.points
    return totals


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one check: what the gradebook and the feedback show."""

    exercise: str
    name: str
    part: str
    points: float
    max_points: float
    passed: bool
    message: str
    description: str = ""


def call_driver(exercise: str, check: Check, ns: Mapping[str, Any]) -> PlainData:
    """Run the check's driver on a namespace, in *this* process (sandbox side, or reference)."""
    driver = getattr(drivers(exercise), check.driver)
    return driver(ns, **dict(check.kwargs))


def describe_exception(exc: BaseException) -> str:
    """A message for the student: StudentError verbatim, anything else with its last frame."""
    if isinstance(exc, StudentError):
        return str(exc)
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].name}, line {frames[-1].lineno})" if frames else ""
    if isinstance(exc, NotImplementedError):
        return (f"not implemented yet: your code raised NotImplementedError{where}; replace the "
                "stub's `raise NotImplementedError()` with your solution")
    return f"your code raised {type(exc).__name__}: {exc}{where}"


def judge(
    exercise: str,
    check: Check,
    student_output: PlainData,
    reference_output: PlainData | None = None,
    *,
    error: str | None = None,
) -> CheckResult:
    """Score one check from plain data. ``error`` is why the driver produced no output."""
    if error is None:
        try:
            message = check.judge(student_output, reference_output if check.hidden else None)
        except Exception as exc:  # a judge choking on malformed output is the output's fault
            message = f"the returned value could not be checked ({type(exc).__name__}: {exc})"
    else:
        message = error
    passed = message is None
    return CheckResult(
        exercise=exercise,
        name=check.name,
        part=check.part,
        points=check.points if passed else 0.0,
        max_points=check.points,
        passed=passed,
        message="ok" if passed else str(message),
        description=check.description,
    )


def close(a: float, b: float, *, rel: float = 1e-5, abs_: float = 1e-8) -> bool:
    """``math.isclose`` that treats NaN == NaN and rejects non-numbers (for judges)."""
    if not isinstance(a, (int, float)) or isinstance(a, bool):
        return False
    if math.isnan(a) and math.isnan(b):
        return True
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)
