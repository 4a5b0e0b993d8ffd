"""What an exercise declares so that the engine can grade it.

An exercise ``X`` (e.g. ``lr_finder``) is made of five pieces, each in a fixed place:

==========================  =====================================================  ===========
piece                       where                                                  shipped to
==========================  =====================================================  ===========
source notebook (MyST)      ``exercises/X.md`` (nbgrader cell metadata inside)      students
driver functions            ``autograde/drivers/X.py``                              students
visible checks              ``autograde/visible/X.py`` -> ``CHECKS``                students
reference solution          ``solutions/X.py``                                      nobody
hidden checks               ``solutions/hidden/X.py`` -> ``CHECKS``                 nobody
==========================  =====================================================  ===========

Why drivers: the grader never calls student code itself. A *driver* is a small public
function that runs **inside the sandbox process** next to the student's code. It builds the
inputs from plain-data arguments (seeds, sizes, lists of numbers), calls the student's
function, and turns whatever came back into plain data (JSON: numbers, strings, lists,
dicts, None; NaN/inf allowed). Only that plain data crosses back to the grader, which
never unpickles anything from the sandbox. The same driver run on the reference solution,
in the grader process, gives the expected output for hidden checks.

Driver signature::

    def driver_name(ns: Mapping[str, Any], **kwargs) -> PlainData

``ns`` is the namespace in which the student's notebook code was executed (or the
reference module's ``__dict__``). A driver raises ``StudentError`` with an actionable
message when the submission is unusable (function missing, wrong return type, ...).

A *check* pairs one driver call with a judge. The judge runs in the grader process and
returns ``None`` on success or a message that tells the student *what* is wrong.
Visible checks bake their expected values into the judge (``reference`` is ``None``);
hidden checks receive the reference output.

Checks are grouped in *parts*; each part is one nbgrader test cell with id ``test_<part>``
and ``points = sum(check.points for the part)``. In a student's kernel that cell runs
``autograde.notebook.check_part(X, part, globals())`` (visible checks only); at grading
time the engine scores the part in the sandbox, visible and hidden checks together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

PlainData = Any
"""JSON-compatible data: None, bool, int, float (NaN/inf allowed), str, list, dict[str, ...]."""

Judge = Callable[[PlainData, PlainData | None], str | None]
"""``judge(student_output, reference_output)``: None if correct, else a message for the student."""


class StudentError(Exception):
    """The submission cannot be run as asked; the message is shown to the student verbatim."""


@dataclass(frozen=True)
class Check:
    """One graded behaviour: call ``driver`` with ``kwargs`` in the sandbox, then ``judge``."""

    name: str
    """Stable id shown in feedback, e.g. ``"restores_model_weights"``."""
    part: str
    """nbgrader test-cell group, e.g. ``"find_lr"``; cell id is ``test_<part>``."""
    points: float
    driver: str
    """Function name in ``autograde.drivers.<exercise>``."""
    judge: Judge
    kwargs: Mapping[str, PlainData] = field(default_factory=dict)
    hidden: bool = False
    """Hidden checks get the reference output as ``judge``'s second argument."""
    timeout_s: float = 60.0
    description: str = ""
    """One line a student reads in the feedback: what this check is about."""
