"""The grader's handle on one sandbox process: start it, send requests, survive its faults.

A :class:`Sandbox` runs ``python -I -m autograde.worker`` in fresh namespaces (see
:mod:`autograde.jail`) with a clean environment, talks to it over a private pipe pair
(:mod:`autograde.protocol`), and turns every way the process can misbehave (no answer in
time, death by signal, early exit, garbage on the channel) into a :class:`SandboxFault`
whose message the student reads. Killing the process group takes the whole PID namespace
down with it, fork bombs included.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograde import jail, protocol
from autograde.exercise import extra_exercise_dirs

SANDBOX_UID_BASE = 2_000_000
"""As root, sandbox slot ``k`` runs as uid/gid ``SANDBOX_UID_BASE + k`` (owns nothing)."""
MODES = ("root", "userns", "none")
_NAMESPACES = ["--net", "--mount", "--pid", "--ipc", "--uts", "--fork", "--kill-child"]
_SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")


@dataclass(frozen=True)
class Limits:
    """What one sandbox may use. Defaults suit the course's CPU exercises."""

    memory_mb: int = 2048
    """Address-space limit of the sandbox process (importing torch alone takes ~0.6 GiB)."""
    timeout_s: float | None = None
    """Wall-clock limit per check; ``None`` uses each check's own ``timeout_s``."""
    notebook_timeout_s: float = 120.0
    """Wall-clock limit for running the whole notebook once."""
    startup_timeout_s: float = 60.0
    nproc: int = 64
    output_mb: int = 16
    """Largest file (stdout/stderr included) the sandbox may write."""
    scratch_mb: int = 64
    max_reply_bytes: int = protocol.MAX_REPLY_BYTES

    def check_timeout(self, check_timeout_s: float) -> float:
        return self.timeout_s if self.timeout_s is not None else check_timeout_s


DEFAULT_LIMITS = Limits()


class SandboxFault(Exception):
    """The sandbox did not answer; the message names the cause for the student."""


def describe_exit(returncode: int | None, cpu_s: int) -> str:
    """Why a sandbox process ended before answering, in words a student can act on."""
    if returncode is None:
        return "the sandbox process stopped answering"
    if returncode >= 0:
        return (f"the process exited with code {returncode} before answering (did your code "
                "call sys.exit, os._exit or kill its own process?)")
    sig = -returncode
    if sig == signal.SIGXCPU:
        return f"used more than {cpu_s} s of CPU time"
    if sig == signal.SIGSEGV:
        return "crashed with a segmentation fault"
    if sig == signal.SIGKILL:
        return "was killed (SIGKILL): it ran out of memory or killed itself"
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = str(sig)
    return f"was killed by signal {name}"


def _package_dir(name: str) -> str | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(Path(next(iter(spec.submodule_search_locations))).resolve())


def _share(folder: Path) -> None:
    """Let every user read ``folder`` (the kit holds nothing private).

    ``save_pretrained`` writes weights through safetensors, which creates files as 0600: a kit
    built by root is then unreadable to the sandbox's uid, and the model cannot load there.
    """
    for path in [folder, *folder.rglob("*")]:
        try:
            mode = path.stat().st_mode
            wanted = mode | (0o555 if path.is_dir() else 0o444)
            if wanted != mode:
                path.chmod(wanted)
        except OSError:  # a read-only install: the sandbox will say what it cannot read
            pass


def public_paths() -> list[str]:
    """Host paths the sandbox may read: Python, the public packages, the kit, system files.

    An allow-list: the repository root, ``solutions/``, ``.git``, the course folder and the
    output folders are not on it, so they do not exist inside the jail.
    """
    from book.kit.layout import paths as kit_paths  # light: no torch; where the kit lives

    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths |= {p for p in (_package_dir("autograde"), _package_dir("book")) if p}
    paths |= {str(d / sub) for d in extra_exercise_dirs() for sub in ("drivers", "visible")}
    kit = kit_paths().root  # the active preset's kit (FTCOURSE_KIT_PRESET), as _clean_env says
    if kit.is_dir():
        if os.geteuid() == 0:  # root mode: the sandbox runs as a uid that owns nothing
            _share(kit)
        paths.add(str(kit.resolve()))
    paths = {str(Path(p).resolve()) for p in paths}
    # Drop paths nested in another bound path: one bind covers them.
    nested = {p for p in paths for q in paths if p != q and p.startswith(q.rstrip("/") + "/")}
    return [*_SYSTEM_PATHS, *sorted(paths - nested)]


def _clean_env(home: str) -> dict[str, str]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": "/tmp", "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "FTCOURSE_SOURCE": "offline",
        # Arrow's default allocator (jemalloc/mimalloc) reserves ~1 GiB of address space when
        # pyarrow.dataset is imported (by `datasets`, hence by transformers' Trainer), which the
        # address-space limit counts as if it were used; the system allocator reserves nothing.
        "ARROW_DEFAULT_MEMORY_POOL": "system",
        # The tokenizers library encodes batches on one thread per core, each with its own
        # malloc arena (64 MiB of address space): on a many-core grader that alone would
        # exceed the limit. One thread, like OMP_NUM_THREADS.
        "TOKENIZERS_PARALLELISM": "false",
    }
    for name in ("AUTOGRADE_EXERCISES", "FTCOURSE_KIT_PRESET"):
        if name in os.environ:
            env[name] = os.environ[name]
    # Where the grader's kit is, always: inside the jail the repository (and with it the
    # default `<repo>/.cache`) is not visible, so without this `book` would look in HOME and
    # start building a kit. public_paths() binds that kit folder read-only at the same path.
    from book.config import cache_dir

    env["FTCOURSE_CACHE"] = str(cache_dir())
    return env


class Sandbox:
    """One sandbox process; reusable for many requests until a fault, then :meth:`restart`."""

    def __init__(self, exercises: list[str], limits: Limits, *, cpu_s: int,
                 slot: int = 0, mode: str | None = None) -> None:
        self.exercises = list(exercises)
        self.limits = limits
        self.cpu_s = cpu_s
        self.slot = slot
        self.mode = mode or sandbox_mode()
        self.warnings: list[str] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp: str | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def _spec(self, tmp: str) -> jail.JailSpec:
        uid = SANDBOX_UID_BASE + self.slot if os.geteuid() == 0 else None
        scratch = ""
        if self.mode == "none":
            scratch = tempfile.mkdtemp(prefix="autograde-scratch-")
            if uid is not None:
                os.chown(scratch, uid, uid)
        return jail.JailSpec(
            mode=self.mode, binds=tuple(public_paths()) if self.mode != "none" else (),
            newroot=os.path.join(tmp, "root"), scratch=scratch,
            uid=uid if self.mode != "userns" else None,
            memory_bytes=self.limits.memory_mb << 20, cpu_s=self.cpu_s, nproc=self.limits.nproc,
            fsize_bytes=self.limits.output_mb << 20, scratch_bytes=self.limits.scratch_mb << 20)

    def start(self) -> list[str]:
        """Start the process and wait for its hello; return its warnings about missing limits."""
        self._tmp = tempfile.mkdtemp(prefix="autograde-")
        os.mkdir(os.path.join(self._tmp, "root"))
        spec = self._spec(self._tmp)
        req_r, self._req_w = os.pipe()
        self._rep_r, rep_w = os.pipe()
        os.set_blocking(self._req_w, False)
        os.set_blocking(self._rep_r, False)
        prefix = {"root": ["unshare", *_NAMESPACES],
                  "userns": ["unshare", "--user", "--map-root-user", *_NAMESPACES],
                  "none": []}[self.mode]
        command = [*prefix, sys.executable, "-I", "-m", "autograde.worker",
                   "--spec", spec.to_json(), "--fd-in", str(req_r), "--fd-out", str(rep_w)]
        for exercise in self.exercises:
            command += ["--exercise", exercise]
        self._log = open(os.path.join(self._tmp, "output.log"), "wb")  # noqa: SIM115
        home = spec.scratch or jail.HOME
        self._proc = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            pass_fds=(req_r, rep_w), env=_clean_env(home), cwd="/", start_new_session=True)
        os.close(req_r)
        os.close(rep_w)
        self._scratch = spec.scratch
        hello = self._await("hello", time.monotonic() + self.limits.startup_timeout_s)
        if not hello.get("ok"):
            error = hello.get("error")
            self.close()
            raise SandboxFault(f"the sandbox could not start: {error}")
        self.warnings = [str(w) for w in hello.get("warnings", [])]
        if self.mode == "userns" and os.geteuid() == 0:  # uid 0 outside too: no NPROC
            self.warnings.append("user-namespace sandbox started by root: the process-count "
                                 "limit is not enforced (AUTOGRADE_SANDBOX=root enforces it)")
        return self.warnings

    def restart(self) -> None:
        self.close()
        self.start()

    def close(self) -> None:
        """Kill the process group (and with it the PID namespace) and remove temporary files."""
        if self._proc is not None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._proc.wait()
            for fd in (self._req_w, self._rep_r):
                os.close(fd)
            self._log.close()
            self._proc = None
        for folder in (self._tmp, getattr(self, "_scratch", "")):
            if folder:
                shutil.rmtree(folder, ignore_errors=True)
        self._tmp = None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests ------------------------------------------------------------------------------
    def _returncode(self) -> int | None:
        assert self._proc is not None
        try:
            return self._proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None

    def _await(self, rid: str, deadline: float) -> dict[str, Any]:
        """The reply to ``rid``, or a :class:`SandboxFault` (after which the process is dead)."""
        timeout = deadline - time.monotonic()
        try:
            reply = protocol.read_frame(self._rep_r, deadline, self.limits.max_reply_bytes)
            if reply.get("id") != rid:
                raise protocol.ProtocolError("a reply that answers no request")
            return reply
        except protocol.ChannelTimeout:
            self.close()
            raise SandboxFault(f"timed out after {timeout:.3g} s") from None
        except protocol.ChannelClosed:
            message = describe_exit(self._returncode(), self.cpu_s)
            self.close()
            raise SandboxFault(message) from None
        except protocol.ProtocolError as exc:
            self.close()
            raise SandboxFault(f"the sandbox's reply was rejected: {exc} (did your code write to "
                               "the grader's channel?)") from None

    def request(self, payload: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Send one request and wait at most ``timeout_s`` for its reply."""
        if self._proc is None:
            raise SandboxFault("the sandbox is not running")
        rid = protocol.new_request_id()
        deadline = time.monotonic() + timeout_s
        try:
            protocol.write_all(self._req_w, protocol.encode({"id": rid, **payload}), deadline)
        except protocol.ChannelTimeout:
            self.close()
            raise SandboxFault(f"timed out after {timeout_s:.3g} s") from None
        except protocol.ChannelClosed:
            message = describe_exit(self._returncode(), self.cpu_s)
            self.close()
            raise SandboxFault(message) from None
        return self._await(rid, deadline)


_mode_lock = threading.Lock()


@functools.cache
def _probe(mode: str) -> bool:
    try:
        with Sandbox([], Limits(startup_timeout_s=30), cpu_s=30, mode=mode):
            return True
    except (SandboxFault, OSError):
        return False


def sandbox_mode() -> str:
    """The strongest isolation that works here: ``root``, ``userns`` or ``none``.

    ``AUTOGRADE_SANDBOX`` forces one (e.g. ``none`` to try the degraded path).
    """
    forced = os.environ.get("AUTOGRADE_SANDBOX", "auto")
    if forced in MODES:
        return forced
    if forced != "auto":
        raise ValueError(f"AUTOGRADE_SANDBOX must be one of auto, {', '.join(MODES)}; "
                         f"found {forced!r}")
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return "none"
    with _mode_lock:
        candidates = ("root", "userns") if os.geteuid() == 0 else ("userns",)
        return next((m for m in candidates if _probe(m)), "none")


def cpu_budget(limits: Limits, check_timeouts: list[float]) -> int:
    """CPU seconds for one sandbox: a backstop behind the wall-clock limits, never tighter."""
    wall = limits.notebook_timeout_s + sum(limits.check_timeout(t) for t in check_timeouts)
    return math.ceil(wall + limits.startup_timeout_s)
