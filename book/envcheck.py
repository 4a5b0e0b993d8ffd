"""Is this machine ready for the course? One line per check: PASS, WARN, FAIL (or SKIP), and a fix.

Run ``python -m book.envcheck`` (or ``ftcourse-envcheck``); ``--hub`` also tests the
connection to the Hugging Face Hub. The setup page of the site renders the same report as a
table, computed on the machine that built the site.

Why a report and not an exception at the first problem: a student fixing their setup wants the
whole list at once, each item with the command that fixes it. Every check is guarded, so a
broken install gives a FAIL line, never a traceback. The exit code is 1 when any check fails.

The hub is contacted only when the course is set to use it (``FTCOURSE_SOURCE=hub``) or when
``--hub`` is passed: the offline kit, CI and the site build never open a network connection.
"""

from __future__ import annotations

import argparse
import html
import importlib.metadata
import os
import shutil
import socket
import sys
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from book import config

Status = Literal["PASS", "WARN", "FAIL", "SKIP"]

PYPROJECT = config.REPO_ROOT / "pyproject.toml"
LOCK = config.REPO_ROOT / "requirements" / "lock.txt"
DIST_NAME = "finetuning-course"
INSTALL_FIX = 'pip install -c requirements/lock.txt -e ".[site,grading,dev]"  (or `make test`)'
GIB = 1024**3
DISK_FAIL_GIB = 1.0  # the offline kit and a few checkpoints
DISK_WARN_GIB = 5.0  # hub models (a few hundred MB to a few GB each)
HUB_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Row:
    """One line of the report."""

    check: str
    status: Status
    found: str
    fix: str = ""
    """What to do about a WARN or FAIL (empty when there is nothing to do)."""


# ---------------------------------------------------------------------------------- helpers


def _installed() -> dict[str, str]:
    """Canonical distribution name -> installed version, for every installed distribution.

    The first hit on ``sys.path`` wins, as for ``import``: once setuptools is imported it
    appends its ``_vendor`` folder, whose older vendored copies (zipp, importlib-metadata, ...)
    must not shadow what is really installed.
    """
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonicalize_name(name), dist.version)
    return found


def _project_table() -> tuple[str, list[str], dict[str, list[str]]]:
    """``requires-python``, dependencies and extras: from pyproject.toml in a checkout, else
    from the installed package's metadata (a non-editable install has no pyproject.toml)."""
    if PYPROJECT.is_file():
        project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
        return (
            project.get("requires-python", ""),
            list(project.get("dependencies", [])),
            dict(project.get("optional-dependencies", {})),
        )
    meta = importlib.metadata.metadata(DIST_NAME)
    core: list[str] = []
    extras: dict[str, list[str]] = {}
    for text in importlib.metadata.requires(DIST_NAME) or []:
        requirement = Requirement(text)
        extra = next(
            (
                e
                for e in meta.get_all("Provides-Extra") or []
                if requirement.marker and requirement.marker.evaluate({"extra": e})
            ),
            None,
        )
        if extra is None:
            core.append(text)
        else:
            requirement.marker = None
            extras.setdefault(extra, []).append(str(requirement))
    return meta.get("Requires-Python", ""), core, extras


def read_lock(path: Path = LOCK) -> dict[str, str]:
    """Canonical name -> pinned version from a ``name==version`` lock file (comments skipped)."""
    pins: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep or not name.strip() or not version.strip():
            raise ValueError(f"{path}:{number}: expected `name==version`, found {raw!r}")
        pins[canonicalize_name(name.strip())] = version.strip()
    return pins


def _matches(installed: str, spec: str) -> bool:
    return SpecifierSet(spec).contains(installed, prereleases=True)


# ----------------------------------------------------------------------------------- checks


def check_python(version: Sequence[int] = sys.version_info[:3]) -> Row:
    """The interpreter against the project's ``requires-python``."""
    requires, _, _ = _project_table()
    found = ".".join(map(str, version))
    if requires and not _matches(found, requires):
        return Row(
            "python",
            "FAIL",
            f"{found} (the course needs {requires})",
            "install Python 3.11 and recreate the virtual environment with it",
        )
    return Row("python", "PASS", f"{found} (needs {requires or 'any'})")


def check_packages(lock: Path = LOCK) -> list[Row]:
    """Direct dependencies against their pyproject ranges and lock pins; then the whole lock.

    Outside its range a core package FAILs (the course code may not run); inside the range but
    not the locked version it WARNs (it runs, numbers may differ slightly from the site's).
    """
    _, core, extras = _project_table()
    installed = _installed()
    pins = read_lock(lock) if lock.is_file() else {}
    rows = [_package_row(text, installed, pins) for text in core]
    for extra, texts in sorted(extras.items()):
        problems = [
            row.found
            for row in (_package_row(t, installed, pins) for t in texts)
            if row.status != "PASS"
        ]
        if problems:
            rows.append(
                Row(
                    f"extra [{extra}]",
                    "WARN",
                    "; ".join(problems),
                    f'needed for `make site`/grading/tests: pip install -e ".[{extra}]"',
                )
            )
        else:
            rows.append(Row(f"extra [{extra}]", "PASS", f"{len(texts)} packages as required"))
    rows.append(_lock_row(lock, pins, installed))
    return rows


def _package_row(text: str, installed: dict[str, str], pins: dict[str, str]) -> Row:
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        return Row(
            f"package {text!r}",
            "FAIL",
            f"unreadable requirement ({exc})",
            "fix the dependency list in pyproject.toml",
        )
    name = canonicalize_name(requirement.name)
    label = f"package {requirement.name}"
    wanted = str(requirement.specifier) or "any version"
    version = installed.get(name)
    if version is None:
        return Row(
            label, "FAIL", f"{requirement.name} not installed (expected {wanted})", INSTALL_FIX
        )
    if requirement.specifier and not _matches(version, str(requirement.specifier)):
        return Row(
            label, "FAIL", f"{requirement.name} {version} installed, expected {wanted}", INSTALL_FIX
        )
    pin = pins.get(name)
    if pin is not None and not _matches(version, f"=={pin}"):
        return Row(
            label,
            "WARN",
            f"{requirement.name} {version} installed, lock pins {pin}",
            "numbers may differ slightly from the site; " + INSTALL_FIX,
        )
    return Row(label, "PASS", f"{version}" + (f" (locked {pin})" if pin else f" ({wanted})"))


def _lock_row(lock: Path, pins: dict[str, str], installed: dict[str, str]) -> Row:
    if not pins:
        return Row(
            "lock file",
            "WARN",
            f"{lock} missing or empty (installed outside a checkout?)",
            "compare with requirements/lock.txt of the course repository",
        )
    differ = sorted(
        f"{n} {installed[n]}!={v}"
        for n, v in pins.items()
        if n in installed and not _matches(installed[n], f"=={v}")
    )
    missing = sum(1 for n in pins if n not in installed)
    found = f"{len(pins) - len(differ) - missing}/{len(pins)} locked versions installed"
    if missing:
        found += f"; {missing} not installed (optional extras?)"
    if differ:
        shown = ", ".join(differ[:5]) + (" ..." if len(differ) > 5 else "")
        return Row("lock file", "WARN", f"{found}; different: {shown}", INSTALL_FIX)
    return Row(
        "lock file", "PASS" if not missing else "WARN", found, "" if not missing else INSTALL_FIX
    )


def check_cpu() -> Row:
    """Cores this process may use (the container/affinity limit, not the host's count)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if not cores or cores < 2:
        return Row(
            "cpu",
            "WARN",
            f"{cores or 'unknown'} core(s) usable",
            "chapters are sized for 2+ cores; expect them to take about twice as long",
        )
    return Row("cpu", "PASS", f"{cores} cores usable")


def device() -> str:
    """``"cuda"``, ``"mps"`` or ``"cpu"``: where the course puts models on this machine.

    Chapters call this instead of hard-coding a device, so the same code uses a GPU when there
    is one and stays on the CPU (which the offline kit is sized for) when there is not.
    """
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def check_device() -> Row:
    """The torch build and the device the course will use."""
    try:
        import torch
    except ImportError as exc:
        return Row("torch device", "FAIL", f"torch cannot be imported ({exc})", INSTALL_FIX)
    chosen = device()
    if chosen == "cuda":
        props = torch.cuda.get_device_properties(0)
        detail = f"{props.name}, {props.total_memory / GIB:.0f} GiB"
    elif chosen == "mps":
        detail = "Apple GPU"
    else:
        detail = f"no CUDA or MPS, {torch.get_num_threads()} threads: the kit is sized for this"
    return Row("torch device", "PASS", f"{chosen} ({detail}); torch {torch.__version__}")


def check_cache(cache: Path | None = None) -> Row:
    """The cache folder can be created/written and its disk has room for the kit and models."""
    folder = cache if cache is not None else config.cache_dir()
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    fix_path = "point FTCOURSE_CACHE at a writable folder, e.g. `export FTCOURSE_CACHE=~/ftcourse`"
    if not existing.is_dir():
        return Row(
            "cache folder", "FAIL", f"{folder}: {existing} is a file, not a folder", fix_path
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        return Row("cache folder", "FAIL", f"{folder}: {existing} is not writable", fix_path)
    free_gib = shutil.disk_usage(existing).free / GIB
    found = f"{config.shown_path(folder)} ({free_gib:.1f} GiB free)"
    if free_gib < DISK_FAIL_GIB:
        return Row(
            "cache folder",
            "FAIL",
            found,
            f"free at least {DISK_FAIL_GIB:.0f} GiB there, or " + fix_path,
        )
    if free_gib < DISK_WARN_GIB:
        return Row(
            "cache folder",
            "WARN",
            found,
            f"enough for the offline kit; hub models want {DISK_WARN_GIB:.0f}+ GiB",
        )
    return Row("cache folder", "PASS", found)


def check_source() -> Row:
    """The ``FTCOURSE_SOURCE`` switch has a usable value."""
    try:
        chosen = config.source()
    except config.ConfigError as exc:
        return Row("source", "FAIL", str(exc), "export FTCOURSE_SOURCE=offline (or hub)")
    note = "offline kit, no network" if chosen == "offline" else "Hugging Face Hub"
    return Row("source", "PASS", f"{chosen} ({note})")


def _source_or_none() -> str | None:
    try:
        return config.source()
    except config.ConfigError:
        return None


def check_kit() -> Row:
    """The offline kit is built and every file matches its manifest hash."""
    try:
        from book import kit
    except ImportError as exc:
        return Row(
            "offline kit",
            "WARN",
            f"kit module not available ({exc})",
            "update your checkout of the course",
        )
    root = kit.paths().root
    try:
        manifest = kit.read_manifest()  # verifies every file against its hash
    except (RuntimeError, OSError, ValueError) as exc:  # kit.KitError is a RuntimeError
        status: Status = "FAIL" if _source_or_none() != "hub" else "WARN"
        return Row(
            "offline kit",
            status,
            str(exc) or f"{root}: unusable",
            "build it: `make kit` (or `python -m book.kit build`)",
        )
    files = manifest.get("files", {}) if isinstance(manifest, dict) else {}
    return Row("offline kit", "PASS", f"{config.shown_path(root)} ({len(files)} files verified)")


def check_hub(enabled: bool | None = None) -> Row:
    """A TCP connection to the hub within ``HUB_TIMEOUT_S``; only when the hub is in use.

    ``enabled=None`` means "only if ``FTCOURSE_SOURCE=hub``"; ``False`` never connects.
    """
    in_use = _source_or_none() == "hub"
    if not (in_use if enabled is None else enabled):
        reason = "not checked here" if in_use else "offline source"
        return Row("hub", "SKIP", f"skipped: {reason} (`ftcourse-envcheck --hub` tests it)")
    if os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}:
        return Row(
            "hub",
            "FAIL",
            "HF_HUB_OFFLINE is set: every hub download will fail",
            "unset HF_HUB_OFFLINE (and HF_DATASETS_OFFLINE) to use the hub",
        )
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    url = urlparse(endpoint)
    host, port = url.hostname or endpoint, url.port or (80 if url.scheme == "http" else 443)
    try:
        socket.create_connection((host, port), timeout=HUB_TIMEOUT_S).close()
    except OSError as exc:
        found = f"no connection to {host}:{port} within {HUB_TIMEOUT_S:.0f} s ({exc})"
        return Row(
            "hub",
            "FAIL",
            found,
            "check your connection/proxy, or use the offline kit: `export FTCOURSE_SOURCE=offline`",
        )
    return Row("hub", "PASS", f"{host}:{port} reachable")


# ---------------------------------------------------------------------------------- report


def _guarded(name: str, check: Callable[[], Row | list[Row]]) -> list[Row]:
    """Run one check; a crash becomes a FAIL line that names it instead of a traceback."""
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - the report must finish whatever breaks
        return [
            Row(
                name,
                "FAIL",
                f"the check itself crashed: {type(exc).__name__}: {exc}",
                "report this to the course maintainers with the line above",
            )
        ]
    return result if isinstance(result, list) else [result]


def run_checks(*, hub: bool | None = None) -> list[Row]:
    """Every check, in reading order. ``hub``: see ``check_hub`` (the site passes False)."""
    checks: list[tuple[str, Callable[[], Row | list[Row]]]] = [
        ("python", check_python),
        ("packages", check_packages),
        ("cpu", check_cpu),
        ("torch device", check_device),
        ("source", check_source),
        ("cache folder", check_cache),
        ("offline kit", check_kit),
        ("hub", lambda: check_hub(hub)),
    ]
    return [row for name, check in checks for row in _guarded(name, check)]


def failed(rows: Iterable[Row]) -> bool:
    return any(row.status == "FAIL" for row in rows)


def render_text(rows: Sequence[Row]) -> str:
    """Aligned terminal lines; each WARN/FAIL is followed by its fix."""
    width = max((len(row.check) for row in rows), default=0)
    lines = []
    for row in rows:
        lines.append(f"{row.status:<4}  {row.check:<{width}}  {row.found}")
        if row.fix:
            lines.append(f"{'':<4}  {'':<{width}}  fix: {row.fix}")
    counts = {s: sum(r.status == s for r in rows) for s in ("PASS", "WARN", "FAIL", "SKIP")}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n))
    return "\n".join(lines)


STATUS_COLOURS = {"PASS": "#1a7f37", "WARN": "#9a6700", "FAIL": "#cf222e", "SKIP": "#57606a"}


def render_html(rows: Sequence[Row]) -> str:
    """An HTML table for the setup page (escaped: paths and messages are data, not markup)."""
    body = "".join(
        f"<tr><td style='color:{STATUS_COLOURS[r.status]};font-weight:bold'>{r.status}</td>"
        f"<td style='white-space:nowrap'>{html.escape(r.check)}</td>"
        f"<td>{html.escape(r.found)}</td>"
        f"<td>{html.escape(r.fix)}</td></tr>"
        for r in rows
    )
    return (
        "<table class='envcheck'><thead><tr><th>status</th><th>check</th><th>found</th>"
        f"<th>fix</th></tr></thead><tbody>{body}</tbody></table>"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: print the report; exit code 1 if any check FAILs."""
    parser = argparse.ArgumentParser(prog="ftcourse-envcheck", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--hub",
        action="store_true",
        help="also test the connection to the Hugging Face Hub (3 s timeout)",
    )
    parser.add_argument("--format", choices=("text", "html"), default="text")
    args = parser.parse_args(argv)
    rows = run_checks(hub=True if args.hub else None)
    print(render_text(rows) if args.format == "text" else render_html(rows))
    return 1 if failed(rows) else 0


if __name__ == "__main__":
    sys.exit(main())
