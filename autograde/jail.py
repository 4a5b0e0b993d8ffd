"""Lock the sandbox process down before any student code runs (inside the sandbox).

The grader starts ``python -m autograde.worker`` through ``unshare`` (new network, mount, PID,
IPC and UTS namespaces; a user namespace too when the grader is not root). Still trusted,
the worker then calls :func:`enter`, which

1. builds a new root file system from an allow-list: the Python installation, the public
   ``autograde`` and ``book`` packages, the offline kit, ``/usr``, ``/etc`` ... each bound
   read-only; ``/dev`` with a few harmless device nodes; a fresh ``/proc``; size-capped tmpfs
   for ``HOME`` and ``/tmp``. ``pivot_root`` into it and detach the old root, so reference
   solutions, hidden checks, the gradebook, other students' files and ``.git`` simply do
   not exist any more (a deny-list would miss copies, e.g. solutions inside git objects);
2. sets resource limits (address space, CPU time, processes, file size, open files);
3. drops privileges: as real root it switches to an unprivileged uid (the kernel ignores
   ``RLIMIT_NPROC`` for root); inside a user namespace it drops every capability.

Where a step is impossible (no namespaces, not Linux) the caller runs in mode ``none``: only
limits apply, and the returned warnings say so in the feedback.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import resource
import signal
from dataclasses import asdict, dataclass

HOME = "/home/sandbox"
"""The student's working directory and ``HOME`` inside the jail (a size-capped tmpfs)."""

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_MS_NOATIME, _MS_NODIRATIME, _MS_RELATIME = 1024, 2048, 1 << 21
_MNT_DETACH = 2
_PR_SET_PDEATHSIG, _PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS = 1, 24, 38
_SYSCALLS = {"x86_64": {"pivot_root": 155, "capset": 126},
             "aarch64": {"pivot_root": 41, "capset": 91}}
_DEVICES = ("null", "zero", "full", "random", "urandom")


@dataclass(frozen=True)
class JailSpec:
    """Everything the worker needs to lock itself down; built by the grader, passed as JSON."""

    mode: str
    """``root`` (real root + namespaces), ``userns`` (user namespace) or ``none``."""
    binds: tuple[str, ...] = ()
    """Host paths visible read-only, at the same path, inside the jail."""
    newroot: str = ""
    """An empty host folder on which the jail's root tmpfs is mounted (namespaced modes)."""
    scratch: str = ""
    """Host working folder for mode ``none`` (namespaced modes use a tmpfs at ``HOME``)."""
    uid: int | None = None
    """Unprivileged uid/gid to switch to when running as real root."""
    memory_bytes: int = 2 << 30
    cpu_s: int = 600
    nproc: int = 64
    fsize_bytes: int = 16 << 20
    scratch_bytes: int = 64 << 20
    nofile: int = 256

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> JailSpec:
        data = json.loads(text)
        data["binds"] = tuple(data["binds"])
        return cls(**data)


_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    def enc(s: str | None) -> bytes | None:
        return None if s is None else s.encode()

    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {source} -> {target}")


def _locked_flags(path: str) -> int:
    """Flags of the existing mount that a user namespace may not clear when remounting."""
    f = os.statvfs(path).f_flag
    pairs = ((os.ST_NOSUID, _MS_NOSUID), (os.ST_NODEV, _MS_NODEV), (os.ST_NOEXEC, _MS_NOEXEC),
             (os.ST_NOATIME, _MS_NOATIME), (os.ST_NODIRATIME, _MS_NODIRATIME),
             (os.ST_RELATIME, _MS_RELATIME))
    return sum(ms for st, ms in pairs if f & st)


def _bind_readonly(path: str, target: str) -> None:
    if os.path.isdir(path):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(path, target, None, _MS_BIND | _MS_REC)
    _mount(None, target, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _locked_flags(target))


def _syscall(name: str, *args: object) -> int:
    number = _SYSCALLS.get(platform.machine(), {}).get(name)
    if number is None:
        raise OSError(errno.ENOSYS, f"{name}: unknown syscall number on {platform.machine()}")
    return _libc.syscall(number, *args)


def _build_root(spec: JailSpec) -> None:
    root = spec.newroot
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    _mount("tmpfs", root, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=4m,mode=755")
    # Scratch first: a bound path under /tmp (a checkout there) must land on top of it.
    owner = f",uid={spec.uid},gid={spec.uid}" if spec.uid is not None else ""
    size = f"size={spec.scratch_bytes}"
    for path, options in ((HOME, f"{size},mode=700{owner}"), ("/tmp", f"{size},mode=1777"),
                          ("/dev/shm", f"{size},mode=1777")):
        os.makedirs(root + path, exist_ok=True)
        _mount("tmpfs", root + path, "tmpfs", _MS_NOSUID | _MS_NODEV, options)
    for path in spec.binds:
        target = root + path
        if os.path.islink(path):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.symlink(os.readlink(path), target)
        elif os.path.exists(path):
            _bind_readonly(path, target)
    os.makedirs(root + "/dev", exist_ok=True)
    for name in _DEVICES:
        open(f"{root}/dev/{name}", "a").close()
        _mount(f"/dev/{name}", f"{root}/dev/{name}", None, _MS_BIND)
    os.makedirs(root + "/proc", exist_ok=True)
    _mount("proc", root + "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    os.makedirs(root + "/.oldroot", exist_ok=True)
    _check(_syscall("pivot_root", root.encode(), (root + "/.oldroot").encode()), "pivot_root")
    os.chdir("/")
    _check(_libc.umount2(b"/.oldroot", _MNT_DETACH), "umount old root")
    os.rmdir("/.oldroot")
    _mount(None, "/", None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)


def _set_limits(spec: JailSpec) -> list[str]:
    warnings = []
    limits = ((resource.RLIMIT_AS, spec.memory_bytes), (resource.RLIMIT_CPU, spec.cpu_s),
              (resource.RLIMIT_FSIZE, spec.fsize_bytes), (resource.RLIMIT_NOFILE, spec.nofile),
              (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NPROC, spec.nproc))
    for which, value in limits:
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError) as exc:
            warnings.append(f"could not set resource limit {which}: {exc}")
    return warnings


def _drop_capabilities() -> None:
    """Inside a user namespace we are uid 0 with every capability there: give them all up."""
    for cap in range(64):
        if _libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(_syscall("capset", header, data), "capset")


def _drop_privileges(spec: JailSpec) -> None:
    if spec.uid is not None and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(spec.uid)
        os.setuid(spec.uid)
    elif spec.mode == "userns":
        _drop_capabilities()
    if hasattr(_libc, "prctl"):  # Linux only (macOS runs in mode none without it)
        # Changing uid clears the parent-death signal: re-arm it so the jail dies with its
        # launcher; and no setuid binary may give privileges back.
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def enter(spec: JailSpec) -> list[str]:
    """Apply the jail to this process; return warnings about protections that are missing."""
    warnings: list[str] = []
    if spec.mode == "none":
        warnings.append("no namespace isolation on this machine: the submission could read "
                        "files readable by the grader's user and use the network")
        os.chdir(spec.scratch)
    else:
        _build_root(spec)
        os.chdir(HOME)
    warnings += _set_limits(spec)
    _drop_privileges(spec)
    if os.geteuid() == 0 and spec.mode != "userns":
        warnings.append("the sandbox runs as root: the kernel does not enforce its process-count "
                        "limit (RLIMIT_NPROC), so a fork bomb is stopped only by the timeout")
    return warnings
