"""Grade a class: find the submissions, grade them in parallel, resume, write the outputs.

Parallelism: the work is in the sandbox processes (one per student at a time), so a thread
per job in this process is enough to keep ``jobs`` sandboxes busy on ``jobs`` cores; the
threads share one :class:`~autograde.engine.References`, so each reference output is
computed once for the whole class.
"""

from __future__ import annotations

import logging
import os
import queue
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from autograde import results
from autograde.engine import Graded, References, grade_notebook
from autograde.exercise import judge
from autograde.feedback import render_markdown
from autograde.sandbox import DEFAULT_LIMITS, Limits
from autograde.submission import SubmissionError, read_notebook

log = logging.getLogger("autograde")


@dataclass(frozen=True)
class Submission:
    student: str
    notebooks: tuple[Path, ...]


def discover(submissions_dir: Path) -> tuple[list[Submission], list[str]]:
    """Students and their notebooks; nbgrader's ``<student>/<assignment>/<nb>.ipynb`` layout
    or a flat folder of ``<student>.ipynb``. Also returns what was skipped, and why."""
    if not submissions_dir.is_dir():
        raise FileNotFoundError(f"submissions folder {submissions_dir} does not exist")
    found, skipped = [], []
    for entry in sorted(submissions_dir.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix == ".ipynb":
            student, notebooks = entry.stem, (entry,)
        elif entry.is_dir():
            student = entry.name
            notebooks = tuple(sorted(p for p in entry.rglob("*.ipynb")
                                     if ".ipynb_checkpoints" not in p.parts))
        else:
            continue
        try:
            found.append(Submission(results.check_student_id(student), notebooks))
        except ValueError as exc:
            skipped.append(f"{entry.name}: {exc}")
    return found, skipped


def pick_notebook(submission: Submission, exercise: str) -> Path | None:
    """``<exercise>.ipynb`` if there is one, else the student's only notebook."""
    named = [p for p in submission.notebooks if p.stem == exercise]
    if named:
        return named[0]
    return submission.notebooks[0] if len(submission.notebooks) == 1 else None


class ReleaseLookup:
    """The released notebook that a submitted one comes from (its locked cells win).

    ``release`` is one notebook (used for every submission) or a folder laid out like
    nbgrader's ``release/`` or ``source/`` (``<assignment>/<notebook>.ipynb``) or flat.
    """

    def __init__(self, release: Path | None) -> None:
        self.release = release
        self._cache: dict[Path, Any] = {}

    @classmethod
    def default_for(cls, submissions_dir: Path) -> ReleaseLookup:
        """nbgrader course folders keep ``release/`` next to ``submitted/``."""
        sibling = submissions_dir.parent / "release"
        return cls(sibling if submissions_dir.name == "submitted" and sibling.is_dir() else None)

    def __call__(self, submitted: Path) -> Any | None:
        if self.release is None:
            return None
        if self.release.is_file():
            path = self.release
        else:
            candidates = [self.release / submitted.parent.name / submitted.name,
                          self.release / submitted.name]
            path = next((p for p in candidates if p.is_file()), None)
            if path is None:
                return None
        if path not in self._cache:
            self._cache[path] = read_notebook(path, max_mb=1e6)
        return self._cache[path]


def grade_student(submission: Submission, exercises: list[str], refs: References, *,
                  limits: Limits, slot: int, release: Callable[[Path], Any | None]) -> Graded:
    """Every requested exercise for one student, one sandbox per notebook."""
    total = Graded()
    by_notebook: dict[Path, list[str]] = {}
    for exercise in exercises:
        notebook = pick_notebook(submission, exercise)
        if notebook is None:
            names = [p.name for p in submission.notebooks] or "no notebook at all"
            message = f"no notebook found for {exercise}: expected {exercise}.ipynb; found {names}"
            total.results += [judge(exercise, c, None, error=message)
                              for c in refs.checks(exercise)]
            total.notes.append(message)
        else:
            by_notebook.setdefault(notebook, []).append(exercise)
    for notebook, group in by_notebook.items():
        try:
            released = release(notebook)
        except SubmissionError as exc:
            total.errors.append(f"release notebook for {notebook.name} unreadable: {exc}")
            released = None
        graded = grade_notebook(notebook, group, refs, release=released, limits=limits, slot=slot)
        total.results += graded.results
        total.notes += [n for n in graded.notes if n not in total.notes]
        total.errors += graded.errors
        total.seconds += graded.seconds
    order = {x: i for i, x in enumerate(exercises)}
    total.results.sort(key=lambda r: order[r.exercise])
    return total


@dataclass
class ClassRun:
    graded: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    gradebook: Path | None = None
    summary: Path | None = None
    seconds: float = 0.0


def grade_class(submissions_dir: Path, exercises: list[str], out_dir: Path, *,
                jobs: int | None = None, limits: Limits = DEFAULT_LIMITS, force: bool = False,
                release: Path | None = None, progress: bool = True) -> ClassRun:
    """Grade every submission not graded yet (all with ``force``); write CSVs and feedback."""
    start = time.monotonic()
    run = ClassRun()
    refs = References()
    for exercise in exercises:
        refs.checks(exercise)  # unknown exercise or missing hidden checks: fail before work
    submissions, run.skipped = discover(submissions_dir)
    lookup = ReleaseLookup(release) if release else ReleaseLookup.default_for(submissions_dir)
    todo = []
    for sub in submissions:
        if not force and results.load_result(out_dir, sub.student, exercises) is not None:
            run.resumed.append(sub.student)
        else:
            todo.append(sub)
    jobs = max(1, jobs or os.cpu_count() or 1)
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(jobs):
        slots.put(slot)

    def work(sub: Submission) -> Graded:
        slot = slots.get()
        try:
            graded = grade_student(sub, exercises, refs, limits=limits, slot=slot,
                                   release=lookup)
        finally:
            slots.put(slot)
        feedback = render_markdown(sub.student, graded.results, graded.notes)
        results.write_atomic(out_dir / "feedback" / f"{sub.student}.md", feedback)
        notebooks = {x: str(pick_notebook(sub, x)) for x in exercises}
        results.save_result(out_dir, sub.student, exercises, graded, notebooks)
        return graded

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(work, sub): sub.student for sub in todo}
        for future in tqdm(as_completed(futures), total=len(futures), desc="grading",
                           unit="student", disable=not progress):
            student = futures[future]
            try:
                graded = future.result()
            except Exception as exc:  # a grader bug on one student must not stop the class
                log.exception("grading %s failed", student)
                run.failed[student] = f"{type(exc).__name__}: {exc}"
                continue
            run.graded.append(student)
            if graded.errors:
                run.errors[student] = graded.errors
    records = [r for sub in submissions
               if (r := results.load_result(out_dir, sub.student, exercises)) is not None]
    run.gradebook, run.summary = results.write_gradebook(out_dir, records)
    run.seconds = time.monotonic() - start
    return run
