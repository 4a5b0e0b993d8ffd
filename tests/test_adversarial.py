"""Adversarial submissions, graded as one class: none beats an honest wrong answer.

Every attack of ``tests/adversarial/attacks.py`` plus broken files (malformed JSON, empty,
50 MB) and two attacks that need this test's context (a listening socket, the output folder)
are graded together with honest students. The class must be graded in full, each attack must
score at most its honest counterpart with a message naming the cause, and the canaries hidden
in the fixture's reference and hidden checks must appear nowhere.
"""

from __future__ import annotations

import csv
import socket
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from adversarial import (  # noqa: E402
    CANARIES,
    CORRECT_ADD,
    CORRECT_MEAN,
    FIXTURE,
    TOTAL_POINTS,
    WRONG_ADD,
    WRONG_MEAN,
    fixture_exercise,  # noqa: F401 - a pytest fixture
    notebook,
    release,
    write,
)
from adversarial.attacks import (  # noqa: E402
    ATTACKS,
    Attack,
    network_attack,
    read_reference_attack,
    write_outputs_attack,
)

from autograde.batch import grade_class  # noqa: E402
from autograde.sandbox import Limits, sandbox_mode  # noqa: E402

LIMITS = Limits(memory_mb=512, timeout_s=3.0, notebook_timeout_s=6.0)


class _Listener:
    """A TCP server on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> dict:
    mp = pytest.MonkeyPatch()
    mp.setenv("AUTOGRADE_EXERCISES", str(FIXTURE))
    mp.setenv("AUTOGRADE_SOLUTIONS", str(FIXTURE / "solutions"))
    root = tmp_path_factory.mktemp("adversarial")
    subs, out = root / "submitted", root / "out"
    listener = _Listener()
    attacks: dict[str, Attack] = {
        **ATTACKS,
        "network": network_attack(listener.port),
        "write_outputs": write_outputs_attack(str(out)),
        "read_reference": read_reference_attack(str(FIXTURE)),
    }
    for name, attack in attacks.items():
        nb = notebook(attack.add, attack.mean, extra=attack.extra, test_add=attack.test_add)
        write(nb, subs / name / "a1" / "add.ipynb")
    write(notebook(CORRECT_ADD, CORRECT_MEAN), subs / "honest_correct" / "a1" / "add.ipynb")
    write(notebook(WRONG_ADD, WRONG_MEAN), subs / "honest_wrong" / "a1" / "add.ipynb")
    broken = {"malformed_json": b'{"cells": [', "empty_file": b"",
              "huge_notebook": b'{"cells": [], "x": "' + b"y" * (50 * 2**20) + b'"}'}
    for name, data in broken.items():
        (subs / name / "a1").mkdir(parents=True)
        (subs / name / "a1" / "add.ipynb").write_bytes(data)
    release_path = write(release(), root / "release" / "a1" / "add.ipynb")
    try:
        run = grade_class(subs, ["add"], out, jobs=2, limits=LIMITS,
                          release=release_path.parent.parent, progress=False)
    finally:
        listener.close()
        mp.undo()
    with open(out / "summary.csv") as handle:
        totals = {row["student"]: float(row["total"]) for row in csv.DictReader(handle)}
    feedback = {p.stem: p.read_text() for p in (out / "feedback").glob("*.md")}
    return {"run": run, "totals": totals, "feedback": feedback, "out": out,
            "attacks": attacks, "listener": listener, "students": sorted(p.name for p in
                                                                          subs.iterdir())}


def test_every_student_is_in_the_gradebook(graded_class: dict) -> None:
    assert sorted(graded_class["totals"]) == graded_class["students"]
    assert graded_class["run"].failed == {}
    assert graded_class["totals"]["honest_correct"] == TOTAL_POINTS
    assert graded_class["totals"]["honest_wrong"] == 0.0


@pytest.mark.parametrize("name", [*ATTACKS, "network", "write_outputs", "read_reference"])
def test_attack_never_beats_an_honest_answer(graded_class: dict, name: str) -> None:
    attack = graded_class["attacks"][name]
    total = graded_class["totals"][name]
    assert total <= attack.ceiling, f"{name} scored {total} > {attack.ceiling}"
    if attack.exact:  # the fault stayed in its own checks: the honest part was still graded
        assert total == attack.ceiling, f"{name} scored {total}, expected {attack.ceiling}"
    assert attack.expect in graded_class["feedback"][name]


@pytest.mark.parametrize(("name", "message"), [
    ("malformed_json", "not a valid notebook"),
    ("empty_file", "is empty (0 bytes)"),
    ("huge_notebook", "the grader accepts at most 20 MB"),
])
def test_broken_files_get_a_message_not_a_crash(graded_class: dict, name: str,
                                                message: str) -> None:
    assert graded_class["totals"][name] == 0.0
    assert message in graded_class["feedback"][name]


def test_canaries_never_leak(graded_class: dict) -> None:
    files = [p for p in graded_class["out"].rglob("*") if p.is_file()]
    assert len(files) > 3
    for path in files:
        text = path.read_text(errors="replace")
        for canary in CANARIES:
            assert canary not in text, f"{canary} leaked into {path}"


def test_sandbox_cannot_reach_the_network(graded_class: dict) -> None:
    assert graded_class["listener"].accepted == 0


def test_sandbox_cannot_write_the_gradebook(graded_class: dict) -> None:
    out = graded_class["out"]
    assert "1000" not in (out / "summary.csv").read_text()
    assert not (out / "results" / "x.json").exists()


def test_full_isolation_was_used() -> None:
    """The attacks above prove the jail only if it was on; on this Linux it must be."""
    if not sys.platform.startswith("linux"):
        pytest.skip("namespaces are Linux-only")
    assert sandbox_mode() in ("root", "userns")
