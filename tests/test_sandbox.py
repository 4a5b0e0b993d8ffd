"""The sandbox itself: what it hides, what it limits, how it reports faults."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from adversarial import (  # noqa: E402
    CORRECT_ADD,
    CORRECT_MEAN,
    FIXTURE,
    TOTAL_POINTS,
    fixture_exercise,  # noqa: F401 - a pytest fixture, used by name below
    notebook,
)

from autograde import protocol  # noqa: E402
from autograde.engine import References, grade_notebook  # noqa: E402
from autograde.exercise import REPO_ROOT  # noqa: E402
from autograde.sandbox import (  # noqa: E402
    SANDBOX_UID_BASE,
    Limits,
    Sandbox,
    SandboxFault,
    cpu_budget,
    describe_exit,
    sandbox_mode,
)

pytestmark = pytest.mark.usefixtures("fixture_exercise")
namespaced = pytest.mark.skipif(sandbox_mode() == "none", reason="no namespaces here")

PROBE = """
import json, os, resource
info = {
    "uid": os.getuid(), "cwd": os.getcwd(), "env": dict(os.environ),
    "root": sorted(os.listdir("/")),
    "visible": {p: os.path.exists(p) for p in PATHS},
    "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
    "memory": resource.getrlimit(resource.RLIMIT_AS)[0],
}
try:
    open(os.path.join(PACKAGE, "planted.py"), "w")
    info["write_package"] = True
except OSError:
    info["write_package"] = False
raise RuntimeError(json.dumps(info))
"""


def _probe(paths: list[str]) -> dict:
    setup = f"PATHS = {paths!r}\nPACKAGE = {str(REPO_ROOT / 'autograde')!r}\n"
    with Sandbox(["add"], Limits(memory_mb=768), cpu_s=30) as box:
        reply = box.request({"op": "exec", "cells": [{"label": "probe", "source": setup + PROBE}]},
                            timeout_s=20)
    message = reply["errors"][0]["message"]
    return json.loads(message[message.index("{"):message.rindex("}") + 1])


@namespaced
def test_jail_hides_everything_private_and_is_read_only(tmp_path: Path) -> None:
    other_student = tmp_path / "submitted" / "bob" / "a1" / "add.ipynb"
    other_student.parent.mkdir(parents=True)
    other_student.write_text("{}")
    private = [p for p in (REPO_ROOT / "solutions", REPO_ROOT / ".git", REPO_ROOT / "exercises",
                           REPO_ROOT / "tests" / "fixtures" / "engine" / "solutions",
                           REPO_ROOT / "_build", other_student) if p.exists()]
    assert len(private) >= 4
    public = [REPO_ROOT / "autograde" / "exercise.py",
              REPO_ROOT / "tests" / "fixtures" / "engine" / "drivers" / "add.py"]
    info = _probe([str(p) for p in private + public])
    assert info["visible"] == {str(p): p in public for p in private + public}
    assert info["write_package"] is False
    assert info["cwd"] == "/home/sandbox" and info["env"]["HOME"] == "/home/sandbox"
    assert not any("SOLUTION" in k for k in info["env"])
    assert info["memory"] == 768 * 2**20
    if sandbox_mode() == "root":  # the sandbox must have switched to an unprivileged uid
        assert info["uid"] >= SANDBOX_UID_BASE
        assert info["nproc"] == Limits().nproc


@namespaced
def test_fork_bomb_leaves_no_process_behind() -> None:
    bomb = "import os\nfor _ in range(10_000):\n    os.fork()\n"
    nb = notebook(CORRECT_ADD, CORRECT_MEAN, extra=(bomb,))
    slot = 777  # a uid of its own: other graders on this machine use low slots
    graded = grade_notebook(nb, ["add"], References(), limits=Limits(notebook_timeout_s=5),
                            slot=slot)
    assert sum(r.points for r in graded.results) <= TOTAL_POINTS
    deadline = time.monotonic() + 5  # SIGKILLed with the namespace; reaped asynchronously
    while _processes_of(SANDBOX_UID_BASE + slot) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_of(SANDBOX_UID_BASE + slot) == []


def _processes_of(uid: int) -> list[str]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            line = next(x for x in status.read_text().splitlines() if x.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        if int(line.split()[1]) == uid:
            found.append(status.parent.name)
    return found


def test_degraded_mode_still_grades_and_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOGRADE_SANDBOX", "none")
    graded = grade_notebook(notebook(CORRECT_ADD, CORRECT_MEAN), ["add"], References())
    assert sum(r.points for r in graded.results) == TOTAL_POINTS
    assert any("no namespace isolation" in n for n in graded.notes)


def test_unknown_sandbox_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOGRADE_SANDBOX", "docker")
    with pytest.raises(ValueError, match="found 'docker'"):
        sandbox_mode()


def test_exit_causes_are_named() -> None:
    assert describe_exit(-signal.SIGXCPU, 42) == "used more than 42 s of CPU time"
    assert "segmentation fault" in describe_exit(-signal.SIGSEGV, 1)
    assert "exited with code 3 before answering" in describe_exit(3, 1)
    assert "SIGKILL" in describe_exit(-signal.SIGKILL, 1)
    assert "SIGTERM" in describe_exit(-signal.SIGTERM, 1)


def test_cpu_budget_never_undercuts_the_wall_clock_limits() -> None:
    limits = Limits(notebook_timeout_s=10, startup_timeout_s=5)
    assert cpu_budget(limits, [1.5, 2.0]) == math.ceil(10 + 5 + 3.5)
    assert cpu_budget(Limits(notebook_timeout_s=10, startup_timeout_s=5, timeout_s=1),
                      [30, 30]) == 17


def test_frames_round_trip_plain_data_only() -> None:
    r, w = os.pipe()
    try:
        message = {"id": "x", "value": [1, 2.5, None, "s", {"k": True}, float("inf")]}
        os.write(w, protocol.encode(message))
        assert protocol.read_frame(r) == message
        os.write(w, protocol.HEADER.pack(10) + b"[1,2,3]   ")
        with pytest.raises(protocol.ProtocolError, match="JSON object"):
            protocol.read_frame(r)
        os.write(w, protocol.HEADER.pack(100))
        with pytest.raises(protocol.ProtocolError, match="exceeds"):
            protocol.read_frame(r, max_bytes=50)
        os.write(w, protocol.HEADER.pack(4) + b"\xff\xfe{}")
        with pytest.raises(protocol.ProtocolError, match="not valid JSON"):
            protocol.read_frame(r)
    finally:
        os.close(r)
        os.close(w)


def test_reply_for_another_request_is_rejected() -> None:
    forge = ("import os, struct, json\n"
             "body = json.dumps({'id': 'guess', 'ok': True, 'errors': []}).encode()\n"
             "for fd in range(3, 64):\n"
             "    try:\n"
             "        os.write(fd, struct.pack('>I', len(body)) + body)\n"
             "    except OSError:\n"
             "        pass\n")
    with Sandbox(["add"], Limits(), cpu_s=30) as box:
        with pytest.raises(SandboxFault, match="answers no request"):
            box.request({"op": "exec", "cells": [{"label": "c", "source": forge}]}, 10)


def test_public_files_under_tmp_are_still_visible(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkout under /tmp (CI clones often live there) must survive the jail's fresh /tmp."""
    copy = tmp_path / "exercises"
    shutil.copytree(FIXTURE, copy)
    monkeypatch.setenv("AUTOGRADE_EXERCISES", str(copy))
    monkeypatch.setenv("AUTOGRADE_SOLUTIONS", str(copy / "solutions"))
    graded = grade_notebook(notebook(CORRECT_ADD, CORRECT_MEAN), ["add"], References())
    assert sum(r.points for r in graded.results) == TOTAL_POINTS


KIT_PROBE = """
import json, os
from book.kit import problem
from book.kit.layout import paths
root = paths().root
raise RuntimeError(json.dumps({
    "problem": problem(), "cache": os.environ.get("FTCOURSE_CACHE"),
    "unreadable": [str(p) for p in root.rglob("*") if p.is_file() and not os.access(p, os.R_OK)],
}))
"""


@namespaced
def test_the_graders_kit_is_found_and_readable_in_the_sandbox() -> None:
    """Drivers that load the kit model (classify_pipeline) need the grader's kit. The repository,
    and with it the default ``<repo>/.cache``, is hidden in the jail, so the sandbox is told
    where the kit is; and it must read weights that safetensors wrote as 0600."""
    from book.config import cache_dir
    from book.kit import problem

    if problem() is not None:
        pytest.skip("no built kit on this machine")
    with Sandbox(["add"], Limits(), cpu_s=60) as box:
        reply = box.request({"op": "exec", "cells": [{"label": "kit", "source": KIT_PROBE}]},
                            timeout_s=60)
    message = reply["errors"][0]["message"]
    info = json.loads(message[message.index("{"):message.rindex("}") + 1])
    assert info == {"problem": None, "cache": str(cache_dir()), "unreadable": []}
