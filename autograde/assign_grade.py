"""Grade a namespace in this process: the authors' harness for references, stubs and mutants.

This is *not* how submissions are graded (the engine runs student code in a sandbox). It
runs every check of an exercise, visible and hidden, on a namespace that the author trusts
(the reference module, a stub cell, a mutant: the reference with one bug patched in) through
the same ``call_driver`` and ``judge`` as the engine, so that a check that passes or fails here
does so at grading time.
"""

from __future__ import annotations

import functools
import runpy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from autograde.exercise import (
    CheckResult,
    all_checks,
    call_driver,
    describe_exception,
    judge,
    reference,
)
from autograde.spec import Check, PlainData


def _run(exercise: str, check: Check, ns: Mapping[str, Any]) -> tuple[PlainData, str | None]:
    try:
        return call_driver(exercise, check, ns), None
    except Exception as exc:  # a failing submission is a result, not a crash
        return None, describe_exception(exc)


@functools.cache
def reference_outputs(exercise: str) -> dict[str, PlainData]:
    """The reference's driver output for every hidden check (computed once per process)."""
    ns = vars(reference(exercise))
    outputs = {}
    for check in all_checks(exercise, include_hidden=True):
        if check.hidden:
            output, error = _run(exercise, check, ns)
            if error is not None:
                raise RuntimeError(f"the reference fails hidden check {check.name}: {error}")
            outputs[check.name] = output
    return outputs


def grade_namespace(
    exercise: str, ns: Mapping[str, Any], *, include_hidden: bool = True
) -> list[CheckResult]:
    """Every check of ``exercise`` run on the functions in ``ns``, in this process."""
    expected = reference_outputs(exercise) if include_hidden else {}
    results = []
    for check in all_checks(exercise, include_hidden=include_hidden):
        output, error = _run(exercise, check, ns)
        results.append(judge(exercise, check, output, expected.get(check.name), error=error))
    return results


def grade_file(exercise: str, path: Path, *, include_hidden: bool = True) -> list[CheckResult]:
    """Grade a Python file (a solution) executed as a fresh module."""
    return grade_namespace(exercise, runpy.run_path(str(path)), include_hidden=include_hidden)


def score(results: list[CheckResult]) -> float:
    return sum(r.points for r in results)
