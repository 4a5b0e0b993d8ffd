"""Per-student feedback: every check, pass or fail, its points and what to fix (Markdown)."""

from __future__ import annotations

from collections.abc import Iterable

from autograde.exercise import CheckResult


def _cell(text: str) -> str:
    """Make student-controlled text safe inside a Markdown table cell."""
    return " ".join(str(text).replace("|", "\\|").replace("<", "&lt;").split())


def _points(value: float) -> str:
    return f"{value:g}"


def lines_for(results: Iterable[CheckResult]) -> list[str]:
    """One plain line per check, as printed by ``autograde check`` and in nbgrader outputs."""
    lines = []
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        detail = (r.description or "ok") if r.passed else r.message
        lines.append(f"[{mark}] {r.exercise}/{r.name} ({_points(r.points)}/"
                     f"{_points(r.max_points)}): {detail}")
    return lines


def render_markdown(student: str, results: list[CheckResult], notes: list[str]) -> str:
    total = sum(r.points for r in results)
    maximum = sum(r.max_points for r in results)
    out = [f"# Feedback for {_cell(student)}", "",
           f"**Total: {_points(total)} / {_points(maximum)} points**", ""]
    for exercise in dict.fromkeys(r.exercise for r in results):
        mine = [r for r in results if r.exercise == exercise]
        part_order = {p: i for i, p in enumerate(dict.fromkeys(r.part for r in mine))}
        mine.sort(key=lambda r: part_order[r.part])
        got = sum(r.points for r in mine)
        out += [f"## {exercise}: {_points(got)} / {_points(sum(r.max_points for r in mine))}", "",
                "| part | check | result | points | what it checks / what is wrong |",
                "| --- | --- | --- | --- | --- |"]
        for r in mine:
            detail = r.description if r.passed else r.message
            out.append(f"| {r.part} | {r.name} | {'pass' if r.passed else '**FAIL**'} | "
                       f"{_points(r.points)} / {_points(r.max_points)} | {_cell(detail)} |")
        out.append("")
    if notes:
        out += ["## Notes on your notebook", ""] + [f"- {_cell(n)}" for n in notes] + [""]
    return "\n".join(out)
