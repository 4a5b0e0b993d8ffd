"""When to build: verify the cached kit, rebuild it if missing, stale or corrupt.

A build goes into a fresh temporary folder next to the kit and is renamed into place only once
its manifest is written, so a crash or Ctrl-C never leaves a half-built kit where the course
looks for one. A file lock keeps two processes (two notebooks, a test run and a site build)
from building the same kit at once; the second waits and then finds the kit ready.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from filelock import FileLock

from book.kit import manifest as _manifest
from book.kit.layout import KitError, KitPaths, paths
from book.kit.presets import DEFAULT_PRESET, get_preset


def _log(message: str) -> None:
    print(f"[kit] {message}", file=sys.stderr, flush=True)


def problem(preset: str | None = None) -> str | None:
    """Why the cached kit for ``preset`` cannot be used, or ``None`` when it can."""
    return _manifest.problem(paths(preset).root, get_preset(preset).recipe())


def verify(preset: str | None = None) -> KitPaths:
    """The kit's paths if it is complete and intact; ``KitError`` saying what is wrong if not."""
    kit = paths(preset)
    reason = problem(preset)
    if reason is not None:
        name = get_preset(preset).name
        if name == DEFAULT_PRESET:
            command = "`python -m book.kit build` (or `make kit`)"
        else:
            command = f"`python -m book.kit --preset {name} build`"
        raise KitError(f"the offline kit at {kit.root} is unusable: {reason}. Build it: {command}")
    return kit


def read_manifest(preset: str | None = None) -> dict[str, Any]:
    """The manifest of the verified kit (``KitError`` if it is missing or corrupt)."""
    return _manifest.read_manifest(verify(preset).root)


def _quiet(message: str) -> None:
    """Log sink when ``progress=False``."""


def _cannot_write(folder: Path, exc: OSError) -> KitError:
    return KitError(
        f"cannot write the kit cache folder {folder} ({exc.strerror or exc}). "
        "Set FTCOURSE_CACHE to a writable folder, e.g. `export FTCOURSE_CACHE=~/ftcourse-cache`."
    )


def _swap_in(new: Path, root: Path) -> None:
    """Replace ``root`` by ``new`` with renames (each atomic on one filesystem)."""
    old = None
    if root.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{root.name}-old-", dir=root.parent))
        root.replace(old / root.name)
    new.replace(root)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _builder():
    """``build_into``, imported only when a build is needed (it pulls in torch)."""
    try:
        from book.kit.build import build_into
    except ModuleNotFoundError as exc:
        raise KitError(
            f"building the kit needs the package {exc.name!r}, which is not installed. "
            "Install the course environment: `make` or `pip install -e .`."
        ) from exc
    return build_into


def ensure(preset: str | None = None, progress: bool = True, force: bool = False) -> KitPaths:
    """The kit's paths, building it first if it is missing, stale or corrupt (or ``force``).

    The fast path (a valid kit) re-hashes the kit's files against the manifest, which takes
    milliseconds, and writes nothing.
    """
    spec = get_preset(preset)
    kit = paths(preset)
    if not force and problem(preset) is None:
        return kit
    build_into = _builder()
    log = _log if progress else _quiet
    parent = kit.root.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(parent / f".{kit.root.name}.lock"))
        lock.acquire()
    except OSError as exc:
        raise _cannot_write(parent, exc) from exc
    try:
        reason = problem(preset)
        if reason is None and not force:
            return kit  # another process built it while this one waited for the lock
        # Only the lock holder creates build folders, so any left over were orphaned by a
        # killed build.
        for stale in parent.glob(f".{kit.root.name}-build-*"):
            shutil.rmtree(stale, ignore_errors=True)
        try:
            work = Path(tempfile.mkdtemp(prefix=f".{kit.root.name}-build-", dir=parent))
        except OSError as exc:
            raise _cannot_write(parent, exc) from exc
        try:
            log(f"building the {spec.name!r} kit in {kit.root} ({reason or 'forced'})")
            build_into(work / kit.root.name, spec, log, progress)
            _swap_in(work / kit.root.name, kit.root)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    finally:
        lock.release()
    if (reason := problem(preset)) is not None:
        raise KitError(f"the kit just built at {kit.root} does not verify: {reason}")
    log(f"ready: {kit.root}")
    return kit
