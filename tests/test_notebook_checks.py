"""Self-check cells in the student's kernel: a check that never returns is stopped and named."""

import dataclasses
import time

import torch  # noqa: F401 -- imported before any alarm: a 0.3 s limit must not cut an import

from autograde import notebook
from autograde.exercise import drivers, visible_checks


def test_a_hanging_solution_fails_its_checks_in_seconds_not_forever(monkeypatch) -> None:
    drivers("focal_loss")  # the driver module too (real limits are a minute, not 0.3 s)
    quick = [dataclasses.replace(c, timeout_s=0.3) for c in visible_checks("focal_loss")]
    monkeypatch.setattr(notebook, "visible_checks", lambda exercise: quick)
    part = quick[0].part

    def focal_loss(*args, **kwargs):
        while True:
            pass

    began = time.perf_counter()
    results = notebook.run_visible("focal_loss", part, {"focal_loss": focal_loss})
    checks = [c for c in quick if c.part == part]
    assert time.perf_counter() - began < 0.3 * len(checks) + 5
    assert all(not r.passed for r in results)
    assert all("time limit" in r.message for r in results), [r.message for r in results]


def test_the_time_limit_leaves_no_alarm_behind() -> None:
    with notebook.time_limit(0.2):
        pass
    time.sleep(0.3)  # an alarm left set would raise here
