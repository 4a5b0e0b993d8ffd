"""Grade one submission: run it in a sandbox, judge every check in the trusted process.

One warm sandbox per notebook: the notebook's code runs once, then every check is one
driver call. A fault (timeout, crash, early exit, garbage on the channel) scores that check
0 with the cause, and the sandbox is restarted (the notebook re-run) for the checks left.
Reference outputs for hidden checks come from :class:`References`, computed once per check
in this process and shared by every student.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from autograde.exercise import CheckResult, all_checks, call_driver, judge, reference
from autograde.sandbox import DEFAULT_LIMITS, Limits, Sandbox, SandboxFault, cpu_budget
from autograde.spec import Check, PlainData
from autograde.submission import Program, SubmissionError, build_program, read_notebook

MAX_MESSAGE_CHARS = 600
"""Longest message kept from the sandbox: student-controlled text must stay readable."""


def _clip(text: str) -> str:
    text = str(text)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + " [...]"


class ReferenceFailure(Exception):
    """The reference solution itself failed on a check: a course bug, not the student's."""


class References:
    """Checks and reference outputs per exercise, loaded or computed once (thread-safe)."""

    def __init__(self, *, include_hidden: bool = True) -> None:
        self.include_hidden = include_hidden
        self._lock = threading.Lock()
        self._checks: dict[str, list[Check]] = {}
        self._modules: dict[str, ModuleType] = {}
        self._outputs: dict[tuple[str, str], PlainData] = {}

    def checks(self, exercise: str) -> list[Check]:
        with self._lock:
            if exercise not in self._checks:
                self._checks[exercise] = all_checks(exercise, include_hidden=self.include_hidden)
            return self._checks[exercise]

    def output(self, exercise: str, check: Check) -> PlainData:
        """The reference's driver output, made plain by the same JSON round trip as a reply."""
        key = (exercise, check.name)
        with self._lock:
            if key not in self._outputs:
                try:
                    module = self._modules.get(exercise) or reference(exercise)
                    self._modules[exercise] = module
                    value = call_driver(exercise, check, vars(module))
                    self._outputs[key] = json.loads(json.dumps(value, allow_nan=True))
                except Exception as exc:
                    raise ReferenceFailure(
                        f"the reference solution failed on {exercise}/{check.name}: "
                        f"{type(exc).__name__}: {exc}") from exc
            return self._outputs[key]


@dataclass
class Graded:
    """What grading one notebook produced."""

    results: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """For the student: dropped magics, restored locked cells, failing cells, missing limits."""
    errors: list[str] = field(default_factory=list)
    """For the instructor: the grader or the course is broken (e.g. the reference failed)."""
    seconds: float = 0.0


def _fail_all(exercises: list[str], refs: References, message: str) -> list[CheckResult]:
    return [judge(x, c, None, error=message) for x in exercises for c in refs.checks(x)]


class _Session:
    """A sandbox with the program loaded, restarted on demand after a fault."""

    def __init__(self, program: Program, exercises: list[str], limits: Limits, cpu_s: int,
                 slot: int, graded: Graded) -> None:
        self.program = program
        self.limits = limits
        self.graded = graded
        self.sandbox = Sandbox(exercises, limits, cpu_s=cpu_s, slot=slot)
        self.running = False
        self.fatal: str | None = None
        self._runs = 0

    def _note(self, text: str) -> None:
        if text not in self.graded.notes:
            self.graded.notes.append(text)

    def ready(self) -> bool:
        """Start the sandbox and run the notebook, unless that already failed for good."""
        if self.running or self.fatal:
            return self.running
        try:
            for warning in self.sandbox.start():
                self._note(f"sandbox: {warning}")
        except SandboxFault as fault:
            self.fatal = str(fault)
            self.graded.errors.append(f"sandbox: {fault}")
            return False
        try:
            reply = self.sandbox.request({"op": "exec", "cells": self.program.cells},
                                         self.limits.notebook_timeout_s)
        except SandboxFault as fault:  # the same code would fail the same way again
            self.fatal = f"running your notebook failed: {fault}"
            return False
        self._runs += 1
        errors = reply.get("errors")  # untrusted: whatever the sandbox sent
        if self._runs == 1 and isinstance(errors, list):
            for error in errors[:20]:
                if isinstance(error, dict):
                    self._note(_clip(f"{error.get('label')} raised an error when the notebook "
                                     f"ran: {error.get('message')}"))
        self.running = True
        return True

    def call(self, exercise: str, check: Check) -> tuple[PlainData, str | None]:
        if not self.ready():
            return None, self.fatal
        payload = {"op": "call", "exercise": exercise, "driver": check.driver,
                   "kwargs": dict(check.kwargs)}
        try:
            reply = self.sandbox.request(payload, self.limits.check_timeout(check.timeout_s))
        except SandboxFault as fault:
            self.running = False  # the process is gone; the next check restarts it
            return None, _clip(str(fault))
        if reply.get("ok") is True:
            return reply.get("value"), None
        return None, _clip(str(reply.get("error", "the driver failed without a message")))


def grade_program(program: Program, exercises: list[str], refs: References, *,
                  limits: Limits = DEFAULT_LIMITS, slot: int = 0) -> Graded:
    """Score every check of ``exercises`` on ``program`` (the notebook's code)."""
    graded = Graded(notes=list(program.notes))
    start = time.monotonic()
    checks = [(x, c) for x in exercises for c in refs.checks(x)]
    cpu_s = cpu_budget(limits, [c.timeout_s for _, c in checks])
    session = _Session(program, exercises, limits, cpu_s, slot, graded)
    try:
        for exercise, check in checks:
            output, error = session.call(exercise, check)
            expected = None
            if check.hidden and error is None:
                try:
                    expected = refs.output(exercise, check)
                except ReferenceFailure as exc:
                    graded.errors.append(str(exc))
                    error = "this check could not be graded (a grader error; your instructor "\
                            "has been told)"
            graded.results.append(judge(exercise, check, output, expected, error=error))
    finally:
        session.sandbox.close()
    graded.seconds = time.monotonic() - start
    return graded


def grade_notebook(notebook: Path | Mapping[str, Any], exercises: list[str], refs: References,
                   *, release: Any | None = None, limits: Limits = DEFAULT_LIMITS,
                   slot: int = 0) -> Graded:
    """Read (if a path), build the program and grade; an unreadable notebook scores 0."""
    try:
        nb = read_notebook(notebook) if isinstance(notebook, Path) else notebook
        program = build_program(nb, release)
    except SubmissionError as exc:
        return Graded(results=_fail_all(exercises, refs, str(exc)), notes=[str(exc)])
    return grade_program(program, exercises, refs, limits=limits, slot=slot)
