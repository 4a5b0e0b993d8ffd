"""Adversarial submissions for the fixture exercise, as code strings.

Each :class:`Attack` is a notebook whose ``add`` (or top level) misbehaves while ``mean`` is
an honest answer (correct or wrong). The honest counterpart, a wrong ``add`` with the same
``mean``, scores ``ceiling``: an attack must never score more, and the message the student
reads must name what happened (``expect``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adversarial import CORRECT_MEAN, WRONG_ADD, WRONG_MEAN

MEAN_POINTS = 3.0


@dataclass(frozen=True)
class Attack:
    add: str
    expect: str
    """A fragment of the feedback (a check message or a note) naming the cause."""
    mean: str = CORRECT_MEAN
    extra: tuple[str, ...] = ()
    test_add: str | None = None
    exact: bool = True
    """The score must equal ``ceiling`` (the attack only cost its own part)."""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ceiling(self) -> float:
        return MEAN_POINTS if self.mean == CORRECT_MEAN else 0.0


_FORGE = """
import os, json, struct
def _forge():
    body = json.dumps({"id": "hello", "ok": True, "value": 5.0}).encode()
    for fd in range(3, 64):
        try:
            os.write(fd, struct.pack(">I", len(body)) + body)
        except OSError:
            pass
"""

_SNOOP = """
import os
def _snoop(known):
    hits = []
    for root in ["/work", "/tmp", "/home", "/proc/1/cwd", os.getcwd(), *known]:
        for folder, dirs, files in os.walk(root) if os.path.isdir(root) else [("", [], [root])]:
            dirs[:] = [d for d in dirs if d not in ("site-packages", "lib", "proc")]
            for name in files:
                try:
                    with open(os.path.join(folder, name), "rb") as handle:
                        data = handle.read(2_000_000)
                except OSError:
                    continue
                for canary in (b"CANARY-REFERENCE", b"CANARY-HIDDEN"):
                    if canary in data:
                        start = data.index(canary)
                        hits.append(data[start:start + 40].decode("latin-1"))
    hits += [f"{k}={v}" for k, v in os.environ.items() if "SOLUTION" in k or "CANARY" in v]
    return hits
"""


def read_reference_attack(fixture: str) -> Attack:
    """Look for the canaries everywhere, including where the files really are on the host."""
    known = [f"{fixture}/solutions/add.py", f"{fixture}/solutions/hidden/add.py",
             f"{fixture}/solutions", f"{fixture}/../../../.git"]
    return Attack(_SNOOP + f"def add(a, b):\n    raise RuntimeError(repr(_snoop({known!r})))\n",
                  "RuntimeError: []")


ATTACKS: dict[str, Attack] = {
    "infinite_loop": Attack("def add(a, b):\n    while True:\n        pass\n", "timed out after"),
    "top_level_loop": Attack(WRONG_ADD, "running your notebook failed: timed out after",
                             extra=("while True:\n    pass\n",), exact=False),
    "output_flood": Attack("def add(a, b):\n    while True:\n        print('x' * 1_000_000)\n",
                           "MiB of output"),
    "memory_bomb": Attack("def add(a, b):\n    hog = []\n    while True:\n"
                          "        hog.append(bytearray(50_000_000))\n", "ran out of memory"),
    "fork_bomb": Attack("import os\ndef add(a, b):\n    while True:\n        os.fork()\n",
                        "limit of 64 processes"),
    "sys_exit": Attack("import sys\ndef add(a, b):\n    sys.exit(0)\n", "called sys.exit(0)"),
    "os_exit": Attack("import os\ndef add(a, b):\n    os._exit(0)\n",
                      "exited with code 0 before answering"),
    "kill_self": Attack("import os, signal\ndef add(a, b):\n"
                        "    os.kill(os.getpid(), signal.SIGKILL)\n    return a - b\n",
                        "expected 5.0"),
    "segfault": Attack("import ctypes\ndef add(a, b):\n    return ctypes.string_at(0)\n",
                       "segmentation fault"),
    "fake_output": Attack(WRONG_ADD, "expected 5.0",
                          extra=('print(\'{"id": "x", "ok": true, "value": 5.0}\')\n'
                                 'print("All checks passed: 7/7 points")\n',)),
    "forged_frame": Attack(_FORGE + "def add(a, b):\n    _forge()\n    return a + b\n",
                           "reply was rejected"),
    "forged_frame_top_level": Attack(WRONG_ADD, "reply was rejected",
                                     extra=(_FORGE + "_forge()\n",), exact=False),
    "monkeypatch_checkers": Attack(
        WRONG_ADD, "expected 5.0",
        extra=("import builtins, math, numpy.testing, autograde.exercise as ex\n"
               "math.isclose = lambda *a, **k: True\n"
               "numpy.testing.assert_allclose = lambda *a, **k: None\n"
               "ex.close = lambda *a, **k: True\n"
               "ex.judge = lambda *a, **k: None\n"
               "builtins.AssertionError = type('Nope', (Exception,), {})\n",)),
    "patched_worker_replies": Attack(  # forging outputs is hard-coding: hidden checks fail it
        WRONG_ADD, "expected 2.0, got 5.0", exact=False,
        extra=("import sys, autograde.protocol as p\n"  # the worker runs as __main__
               "sys.modules['__main__']._reply = lambda rid, **f: p.encode("
               "{'id': rid, 'ok': True, 'errors': 5, 'value': 5.0})\n",)),
    "always_equal_object": Attack(
        "class Liar:\n    def __eq__(self, other):\n        return True\n"
        "    def __float__(self):\n        return 5.0\n    __hash__ = None\n"
        "def add(a, b):\n    return Liar()\n", "must return a number"),
    "float_subclass_liar": Attack(
        "class F(float):\n    def __eq__(self, other):\n        return True\n"
        "    __hash__ = float.__hash__\n"
        "def add(a, b):\n    return F(a - b)\n", "expected 5.0"),
    "wrong_type": Attack("def add(a, b):\n    return str(a + b)\n", "found str"),
    "missing_function": Attack("def plus(a, b):\n    return a + b\n",
                               "define a function add(a, b)"),
    "edited_test_cell": Attack(WRONG_ADD, "is locked but was edited", mean=WRONG_MEAN,
                               test_add="def add(a, b):\n    return a + b\nprint('passed')\n"),
}
"""Attacks that need the test's context (the fixture's path, a listening port, the output
folder) are made by the functions in this module."""


def network_attack(port: int) -> Attack:
    return Attack("import socket\ndef add(a, b):\n"
                  f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'x')\n"
                  "    return a + b\n", "Network is unreachable")


def write_outputs_attack(out_dir: str) -> Attack:
    return Attack("import os\ndef add(a, b):\n"
                  f"    for name in ('gradebook.csv', 'summary.csv', 'results/x.json'):\n"
                  f"        with open(os.path.join({out_dir!r}, name), 'w') as f:\n"
                  "            f.write('student,total\\nme,1000\\n')\n"
                  "    return a + b\n", "No such file or directory")
