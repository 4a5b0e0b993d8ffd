"""The authoring pipeline: page -> nbgrader source -> nbgrader release, and ``verify``.

A module fixture builds and releases (real ``nbgrader generate_assignment``) this task's two
exercises into a temporary course; ``verify`` must find nothing wrong there, and must find
each kind of drift or leak planted in a copy.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import nbformat
import pytest
from exercise_harness import MUTANTS_DIR, grade_mutant, mutant_source

from autograde.assign_grade import grade_namespace, score
from autograde.assign_notebook import (
    CODE_STUB,
    AuthoringError,
    is_solution,
    is_test,
    read_exercise,
    splice,
    split_reference,
    stub_names,
)
from autograde.assign_verify import Paths, Report, check_signatures, verify_exercise
from autograde.assignments import EXERCISES_DIR, build, release
from autograde.exercise import parts, solutions_dir

EXERCISES = ["lr_finder", "early_stopping"]
CANARY = {"lr_finder": "hidden-canary:lr_finder:7f3c2a91",
          "early_stopping": "hidden-canary:early_stopping:c41d9e07"}


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("course")
    build(EXERCISES, root)
    release(EXERCISES, root)
    return root


@pytest.fixture
def toc(tmp_path: Path) -> Path:
    path = tmp_path / "_toc.yml"
    path.write_text("format: jb-book\nroot: intro\nparts:\n  - chapters:\n"
                    + "".join(f"      - file: exercises/{x}\n" for x in EXERCISES))
    return path


def _paths(exercise: str, course: Path) -> Paths:
    return Paths(exercise=exercise, page=EXERCISES_DIR / f"{exercise}.md", course=course)


def _verify(exercise: str, course: Path, toc: Path) -> Report:
    report = Report()
    verify_exercise(_paths(exercise, course), report, toc)
    return report


def _copy_course(course: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(course, tmp_path / "course"))


def _edit_first_solution_cell(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the notebook's first solution cell, in place."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if is_solution(c))
    cell.source = cell.source.replace(old, new)
    nbformat.write(nb, path)


@pytest.mark.slow
@pytest.mark.parametrize("exercise", EXERCISES)
def test_verify_finds_nothing_wrong(course: Path, toc: Path, exercise: str):
    report = _verify(exercise, course, toc)
    assert report.errors == [] and report.warnings == []


@pytest.mark.slow
@pytest.mark.parametrize("exercise", EXERCISES)
def test_released_solution_cells_are_the_page_stubs(course: Path, exercise: str):
    page = read_exercise(EXERCISES_DIR / f"{exercise}.md")
    released = nbformat.read(course / "release" / exercise / f"{exercise}.ipynb", as_version=4)
    stubs = [c.source for c in page.cells if is_solution(c)]
    assert [c.source for c in released.cells if is_solution(c)] == stubs
    assert all(s.endswith(CODE_STUB.split("\n")[-1]) for s in stubs)
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
              for c in released.cells if is_test(c)}
    assert points == {f"test_{part}": p for part, p in parts(exercise).items()}


@pytest.mark.slow
@pytest.mark.parametrize("exercise", EXERCISES)
def test_instructor_source_runs_the_reference_to_full_marks(course: Path, exercise: str):
    source = nbformat.read(course / "source" / exercise / f"{exercise}.ipynb", as_version=4)
    ns: dict = {}
    for cell in filter(is_solution, source.cells):
        exec(compile(cell.source, f"<{exercise} source>", "exec"), ns)
    results = grade_namespace(exercise, ns)
    assert score(results) == sum(parts(exercise).values())


@pytest.mark.slow
def test_build_writes_the_course_nbgrader_config(course: Path):
    text = (course / "nbgrader_config.py").read_text()
    assert "from autograde.nbgrader_config import configure" in text
    assert "configure(get_config())" in text


@pytest.mark.slow
def test_verify_catches_an_edited_release(course: Path, toc: Path, tmp_path: Path):
    copy = _copy_course(course, tmp_path)
    _edit_first_solution_cell(copy / "release" / "lr_finder" / "lr_finder.ipynb",
                              "skip_end: int = 5", "skip_end: int = 4")
    errors = _verify("lr_finder", copy, toc).errors
    assert any("solution (stub) cell solution_suggest_lrs differs" in e for e in errors)


@pytest.mark.slow
@pytest.mark.parametrize("leak", ["canary", "reference"])
def test_verify_catches_a_leak_into_the_release(course: Path, toc: Path, tmp_path: Path,
                                                leak: str):
    copy = _copy_course(course, tmp_path)
    reference_line = "model_backup = copy.deepcopy(model.state_dict())"
    planted = CANARY["lr_finder"] if leak == "canary" else reference_line
    (copy / "release" / "lr_finder" / "notes.txt").write_text(f"x = 1\n{planted}\n")
    errors = _verify("lr_finder", copy, toc).errors
    expected = "canary" if leak == "canary" else "contains reference code"
    assert [e for e in errors if "notes.txt" in e and expected in e]


@pytest.mark.slow
def test_verify_catches_a_stale_source(course: Path, toc: Path, tmp_path: Path):
    copy = _copy_course(course, tmp_path)
    _edit_first_solution_cell(copy / "source" / "early_stopping" / "early_stopping.ipynb",
                              "self.counter = 0", "self.counter = 1")
    errors = _verify("early_stopping", copy, toc).errors
    assert any("out of date" in e for e in errors)
    assert any("solution regions are not" in e for e in errors)


def test_toc_entry_missing_is_an_error_and_no_toc_a_warning(tmp_path: Path):
    from autograde.assign_verify import check_toc

    report = Report()
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: intro\nchapters:\n  - file: exercises/other\n")
    check_toc(_paths("lr_finder", tmp_path), report, toc)
    check_toc(_paths("lr_finder", tmp_path), report, tmp_path / "absent.yml")
    assert len(report.errors) == 1 and "exercises/lr_finder" in report.errors[0]
    assert len(report.warnings) == 1 and "not found" in report.warnings[0]


def test_build_refuses_points_that_disagree_with_the_checks(tmp_path: Path):
    pages = tmp_path / "exercises"
    pages.mkdir()
    text = (EXERCISES_DIR / "early_stopping.md").read_text()
    (pages / "early_stopping.md").write_text(text.replace("points: 9\n", "points: 8\n"))
    with pytest.raises(AuthoringError, match="points must be 9"):
        build(["early_stopping"], tmp_path / "course", pages)


def test_signature_drift_between_stub_and_reference_is_reported(tmp_path, monkeypatch):
    solutions = Path(shutil.copytree(solutions_dir(), tmp_path / "solutions"))
    ref = solutions / "lr_finder.py"
    ref.write_text(ref.read_text().replace("num_iters: int = 100", "num_iters: int = 50"))
    monkeypatch.setenv("AUTOGRADE_SOLUTIONS", str(solutions))
    paths = _paths("lr_finder", tmp_path)
    problems = list(check_signatures(paths, read_exercise(paths.page)))
    assert len(problems) == 1 and "find_lr" in problems[0] and "num_iters: int = 50" in problems[0]


def test_reference_is_split_between_solution_cells_by_the_names_they_define():
    reference = (solutions_dir() / "lr_finder.py").read_text()
    first, second = split_reference(reference, [["suggest_lrs"], ["find_lr"]], "lr_finder")
    assert "def suggest_lrs(" in first and "import torch" in first and "def find_lr(" not in first
    assert second.startswith("def _endless(") and "def find_lr(" in second
    with pytest.raises(AuthoringError, match="order of the solution cells"):
        split_reference(reference, [["find_lr"], ["suggest_lrs"]], "lr_finder")


def test_splice_needs_the_nbgrader_code_stub_and_keeps_a_valid_body():
    stub = 'def f(x: int) -> int:\n    """Double x."""\n    ' + CODE_STUB.replace("\n", "\n    ")
    spliced = splice(stub, "def f(x: int) -> int:\n    return 2 * x", "f")
    ns: dict = {}
    exec(spliced, ns)
    assert ns["f"](3) == 6
    assert spliced.splitlines()[2] == "    ### BEGIN SOLUTION"
    with pytest.raises(AuthoringError, match="must end with nbgrader's code stub"):
        splice(stub.replace("raise NotImplementedError()", "pass"), "", "f")


@pytest.mark.slow
def test_engine_grades_release_based_submissions_like_the_harness(course: Path):
    """End to end: nbgrader's release, a student's edits, the sandboxed engine.

    The untouched release scores 0; a submission made from it by pasting a mutant's code
    into the solution cells fails, in the sandbox, exactly the checks it fails in-process.
    """
    from autograde.engine import References, grade_notebook

    release_nb = nbformat.read(course / "release" / "lr_finder" / "lr_finder.ipynb",
                               as_version=4)
    mutant = MUTANTS_DIR / "lr_finder" / "no_deepcopy_backup.py"
    submission = copy.deepcopy(release_nb)
    cells = [c for c in submission.cells if is_solution(c)]
    code = split_reference(mutant_source("lr_finder", mutant),
                           [stub_names(c.source) for c in cells], "mutant")
    for cell, region in zip(cells, code, strict=True):
        cell.source = region
    refs = References()
    stub = grade_notebook(release_nb, ["lr_finder"], refs, release=release_nb)
    graded = grade_notebook(submission, ["lr_finder"], refs, release=release_nb)
    assert stub.errors == [] and graded.errors == []
    assert sum(r.points for r in stub.results) == 0
    in_process = grade_mutant("lr_finder", mutant)
    assert {r.name: r.passed for r in graded.results} == {r.name: r.passed for r in in_process}
    assert not {r.name: r.passed for r in graded.results}["restores_model_weights"]
