"""Prove that an exercise's page, its nbgrader source and its student release agree.

Each check returns messages naming the file and what differs; ``verify`` collects them all
rather than stopping at the first, so one run lists everything an author has to fix.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jupytext
import nbformat
import yaml

from autograde.assign_notebook import (
    RAISES,
    is_solution,
    is_test,
    nbgrader_meta,
    read_exercise,
    solution_region,
    source_notebook,
    stub_names,
)
from autograde.exercise import REPO_ROOT, all_checks, parts, solutions_dir

DISTINCTIVE_CHARS = 25
"""A reference line this long that the page does not contain must not reach students."""


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Paths:
    """Where one exercise's pieces are."""

    exercise: str
    page: Path
    course: Path

    @property
    def reference(self) -> Path:
        return solutions_dir() / f"{self.exercise}.py"

    @property
    def hidden(self) -> Path:
        return solutions_dir() / "hidden" / f"{self.exercise}.py"

    @property
    def source(self) -> Path:
        return self.course / "source" / self.exercise / f"{self.exercise}.ipynb"

    @property
    def release(self) -> Path:
        return self.course / "release" / self.exercise / f"{self.exercise}.ipynb"


def _metadata(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    return [{k: c.metadata.get(k) for k in ("nbgrader", "tags")} for c in nb.cells]


def check_round_trip(paths: Paths) -> Iterator[str]:
    """jupytext must give back every cell's tags and nbgrader metadata after a write."""
    nb = jupytext.read(paths.page)
    again = jupytext.reads(jupytext.writes(nb, fmt="md:myst"), fmt="md:myst")
    if _metadata(again) != _metadata(nb):
        yield f"{paths.page}: jupytext does not round-trip the cells' tags + nbgrader metadata"


def check_test_cells(paths: Paths, nb: nbformat.NotebookNode) -> Iterator[str]:
    """One test cell per part, ``test_<part>``, carrying that part's points."""
    expected = parts(paths.exercise)
    seen = set()
    for cell in filter(is_test, nb.cells):
        meta, where = nbgrader_meta(cell), f"{paths.page}, cell {cell['id']}"
        part = str(meta["grade_id"]).removeprefix("test_")
        seen.add(part)
        if part not in expected:
            yield f"{where}: no checks are in part {part!r} (parts: {sorted(expected)})"
            continue
        if float(meta.get("points", -1)) != expected[part]:
            yield (
                f"{where}: points must be {expected[part]:g}, the sum of the part's checks; "
                f"found {meta.get('points')}"
            )
        call = f'check_part("{paths.exercise}", "{part}", globals())'
        if call not in cell.source:
            yield f"{where}: the test cell must call {call}"
        if RAISES not in cell.metadata.get("tags", []):
            yield f"{where}: tag it {RAISES!r}: the site runs it against the stub, which raises"
        if not meta.get("locked"):
            yield f"{where}: a test cell must be locked"
    for part in sorted(set(expected) - seen):
        yield f"{paths.page}: part {part!r} has checks but no test cell test_{part}"


POINTS_ROW = re.compile(r"^\|\s*`(\w+)`\s*\|.*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*([\d.]+)\s*\|\s*$")
"""A row of the page's points table: | `part` | ... | visible | hidden | points |."""


def check_points_table(paths: Paths, nb: nbformat.NotebookNode) -> Iterator[str]:
    """The page's table of points per part says what the checks say."""
    checks = all_checks(paths.exercise, include_hidden=True)
    rows = [
        POINTS_ROW.match(line) for c in nb.cells if c.cell_type == "markdown"
        for line in c.source.splitlines()
    ]
    table = {m[1]: (int(m[2]), int(m[3]), float(m[4])) for m in rows if m}
    if not table:
        yield f"{paths.page}: no points table (| `part` | ... | visible | hidden | points |)"
    for part, points in parts(paths.exercise).items():
        visible = sum(1 for c in checks if c.part == part and not c.hidden)
        hidden = sum(1 for c in checks if c.part == part and c.hidden)
        if table and table.get(part) != (visible, hidden, points):
            yield (
                f"{paths.page}: the points table row for {part!r} must read {visible} visible, "
                f"{hidden} hidden, {points:g} points; found {table.get(part)}"
            )


def _api(ns: dict[str, Any], names: list[str]) -> dict[str, inspect.Signature]:
    """Signatures of functions, and of classes with their public methods."""
    api = {}
    for name in names:
        obj = ns[name]
        api[name] = inspect.signature(obj)
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if callable(member) and (not attr.startswith("_") or attr == "__call__"):
                    api[f"{name}.{attr}"] = inspect.signature(member)
    return api


def _run_cells(sources: list[str], where: str) -> dict[str, Any]:
    ns: dict[str, Any] = {"__name__": f"__stub_{where}__"}
    for source in sources:
        # dont_inherit: run the cell as a notebook would, without this module's __future__
        exec(compile(source, where, "exec", dont_inherit=True), ns)
    return ns


def check_signatures(paths: Paths, nb: nbformat.NotebookNode) -> Iterator[str]:
    """The stubs' signatures equal the reference's (names, defaults, annotations)."""
    stubs = [c.source for c in nb.cells if is_solution(c)]
    names = [n for s in stubs for n in stub_names(s)]
    stub_api = _api(_run_cells(stubs, str(paths.page)), names)
    ref_api = _api(_run_cells([paths.reference.read_text()], str(paths.reference)), names)
    for key in sorted(set(stub_api) | set(ref_api)):
        if stub_api.get(key) != ref_api.get(key):
            yield (
                f"{paths.page}: the stub of {key} has signature {stub_api.get(key)}, the "
                f"reference {paths.reference.name} has {ref_api.get(key)}"
            )


def _normalized(code: str) -> list[str]:
    return [line.rstrip() for line in code.splitlines() if line.strip()]


def check_source(paths: Paths, nb: nbformat.NotebookNode) -> Iterator[str]:
    """The built source notebook is current and its solution regions are the reference."""
    if not paths.source.is_file():
        yield f"{paths.source}: missing; run `python -m autograde.assignments build`"
        return
    built = nbformat.read(paths.source, as_version=4)
    reference = paths.reference.read_text()
    expected = source_notebook(nb, reference, str(paths.page))
    if [c.source for c in built.cells] != [c.source for c in expected.cells]:
        yield (
            f"{paths.source}: out of date with {paths.page.name} / {paths.reference.name}; "
            "run build again"
        )
    regions = [solution_region(c.source) for c in built.cells if is_solution(c)]
    if _normalized("\n".join(regions)) != _normalized(reference):
        yield f"{paths.source}: its solution regions are not {paths.reference}"


def _texts(folder: Path) -> Iterator[tuple[Path, str]]:
    """Every text a student receives: notebook cell sources and outputs, other files whole."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            parts_ = [c.source for c in nb.cells]
            parts_ += [str(o) for c in nb.cells for o in c.get("outputs", [])]
            yield path, "\n".join(parts_)
        else:
            yield path, path.read_text(errors="replace")


def _canary(paths: Paths) -> str | None:
    match = re.search(r'^CANARY\s*=\s*"([^"]+)"', paths.hidden.read_text(), re.MULTILINE)
    return match[1] if match else None


def check_release(paths: Paths, nb: nbformat.NotebookNode) -> Iterator[str]:
    """The release is the page, cell for cell, with nothing of the reference or hidden checks."""
    if not paths.release.is_file():
        yield f"{paths.release}: missing; run `python -m autograde.assignments release`"
        return
    released = nbformat.read(paths.release, as_version=4)
    if len(released.cells) != len(nb.cells):
        yield f"{paths.release}: {len(released.cells)} cells, the page has {len(nb.cells)}"
    for mine, theirs in zip(nb.cells, released.cells, strict=False):
        if mine.source != theirs.source:
            kind = "solution (stub)" if is_solution(mine) else "read-only"
            yield f"{paths.release}: {kind} cell {mine['id']} differs from {paths.page.name}"
    canary = _canary(paths)
    if canary is None:
        yield f'{paths.hidden}: define CANARY = "<unique string>" so that leaks can be found'
    page_text = paths.page.read_text()
    distinctive = [
        line.strip() for line in paths.reference.read_text().splitlines()
        if len(line.strip()) >= DISTINCTIVE_CHARS and line.strip() not in page_text
    ]
    for path, text in _texts(paths.release.parent):
        if canary and canary in text:
            yield f"{path}: contains the hidden checks' canary {canary!r}"
        leaked = [line for line in distinctive if line in text]
        if leaked:
            yield f"{path}: contains reference code, e.g. {leaked[0]!r}"
        if "BEGIN SOLUTION" in text or "END SOLUTION" in text:
            yield f"{path}: contains a solution delimiter"


def _toc_files(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("file"), str):
            yield node["file"]
        for value in node.values():
            yield from _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _toc_files(item)


SITE_TOC = REPO_ROOT / "_toc.yml"


def check_toc(paths: Paths, report: Report, toc: Path) -> None:
    """The page is listed in the site's table of contents (skipped, with a warning, if the
    site has no ``_toc.yml`` yet)."""
    entry = f"exercises/{paths.exercise}"
    if not toc.is_file():
        report.warnings.append(f"{toc} not found: add `- file: {entry}` once it exists")
        return
    listed = {str(f).removesuffix(".md") for f in _toc_files(yaml.safe_load(toc.read_text()))}
    if entry not in listed:
        report.errors.append(f"{toc}: add `- file: {entry}`, or the page is not on the site")


CHECKS: list[Callable[[Paths, nbformat.NotebookNode], Iterator[str]]] = [
    check_test_cells, check_points_table, check_signatures, check_source, check_release,
]


def verify_exercise(paths: Paths, report: Report, toc: Path = SITE_TOC) -> None:
    report.errors.extend(check_round_trip(paths))
    nb = read_exercise(paths.page)
    for check in CHECKS:
        report.errors.extend(check(paths, nb))
    check_toc(paths, report, toc)
