"""A trusted nbgrader preprocessor: test cells get the sandboxed engine's score.

``nbgrader autograde`` runs the submission in the student's kernel, where the test cells call
``autograde.notebook.check_part`` (visible checks only). That kernel runs the student's code
unsandboxed in the same kernel as the checks, so whatever it prints is untrusted: a student
could patch ``check_part`` to print nothing and nbgrader would award full points.
:class:`EngineScores` runs after execution, in nbgrader's own process: it grades the notebook
with the sandboxed engine (visible + hidden checks) and replaces each ``test_<part>`` cell's
outputs by the engine's messages and, last, an ``execute_result`` holding the part's score,
which is what nbgrader's ``determine_grade`` records as partial credit.
"""

from __future__ import annotations

import ast
from typing import Any

from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Float, Integer

from autograde.engine import References, grade_program
from autograde.exercise import CheckResult
from autograde.feedback import lines_for
from autograde.sandbox import Limits
from autograde.submission import build_program, is_test_cell

_REFERENCES = References()
"""Shared by every notebook that this nbgrader process grades: reference outputs once."""


def check_part_call(source: str) -> tuple[str, str] | None:
    """``(exercise, part)`` from a test cell's ``check_part("X", "part", globals())``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or len(node.args) < 2:
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        args = node.args[:2]
        if name == "check_part" and all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                        for a in args):
            return args[0].value, args[1].value  # type: ignore[union-attr]
    return None


def part_score(results: list[CheckResult], cell_points: float) -> float:
    """The engine's part score on the cell's scale, never above the cell's points."""
    maximum = sum(r.max_points for r in results)
    if maximum <= 0:
        return 0.0
    return min(cell_points, round(sum(r.points for r in results) / maximum * cell_points, 6))


def _outputs(results: list[CheckResult], notes: list[str], score: float,
             cell_points: float) -> list[NotebookNode]:
    text = [f"Graded in the sandbox (visible and hidden checks): {score:g} / {cell_points:g}"]
    text += lines_for(results) + [f"note: {n}" for n in notes]
    return [from_dict({"output_type": "stream", "name": "stdout", "text": "\n".join(text) + "\n"}),
            from_dict({"output_type": "execute_result", "execution_count": None, "metadata": {},
                       "data": {"text/plain": repr(score)}})]


class EngineScores(NbGraderPreprocessor):
    """Re-score every ``test_<part>`` cell with the sandboxed engine (runs after Execute)."""

    memory_mb = Integer(2048, help="address-space limit of the sandbox, MiB").tag(config=True)
    notebook_timeout = Float(120.0, help="seconds to run the notebook once").tag(config=True)
    check_timeout = Float(None, allow_none=True,
                          help="seconds per check (default: each check's own)").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]
                   ) -> tuple[NotebookNode, dict[str, Any]]:
        targets = []
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
            if cell.cell_type == "code" and is_test_cell(cell) and grade_id.startswith("test_"):
                call = check_part_call(cell.source)
                if call is not None:
                    targets.append((cell, *call))
        exercises = list(dict.fromkeys(exercise for _, exercise, _ in targets))
        if not exercises:
            return nb, resources
        limits = Limits(memory_mb=self.memory_mb, timeout_s=self.check_timeout,
                        notebook_timeout_s=self.notebook_timeout)
        # After nbgrader's OverwriteCells the locked and test cells are the released ones,
        # so the notebook's own metadata can be trusted here.
        graded = grade_program(build_program(nb), exercises, _REFERENCES, limits=limits)
        for error in graded.errors:
            self.log.error("autograde: %s", error)
        for cell, exercise, part in targets:
            mine = [r for r in graded.results if r.exercise == exercise and r.part == part]
            points = float(cell.metadata.nbgrader.get("points", 0))
            score = part_score(mine, points)
            cell.outputs = _outputs(mine, graded.notes, score, points)
            self.log.info("autograde: %s %s/%s scored %g of %g", resources.get("nbgrader", {})
                          .get("student"), exercise, part, score, points)
        return nb, resources


class KernelSafeExecute(Execute):
    """nbgrader's ``Execute``, except that a student's kernel dying does not abort grading.

    With plain nbgrader a submission that calls ``os._exit`` or segfaults its kernel makes
    ``nbgrader autograde`` fail for that student: no grade at all. Here the partly executed
    notebook goes on to :class:`EngineScores`, which grades it in the sandbox as usual.
    """

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]
                   ) -> tuple[NotebookNode, dict[str, Any]]:
        try:
            return super().preprocess(nb, resources)
        except DeadKernelError as exc:
            self.log.warning("autograde: the student's kernel died (%s); the sandboxed engine "
                             "still scores the test cells", exc)
            return nb, resources
