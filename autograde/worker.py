"""The sandbox process: ``python -I -m autograde.worker --spec JSON --exercise X ...``.

Started by :mod:`autograde.sandbox`, never by hand. It locks itself down (:mod:`autograde.jail`),
imports the public driver modules, says hello, then serves requests from the grader:

``{"id", "op": "exec", "cells": [{"label", "source"}]}``
    run the student's notebook code into one namespace, cell by cell; a failing cell is
    reported and the next one still runs (as in a notebook run top to bottom).
``{"id", "op": "call", "exercise", "driver", "kwargs"}``
    run a public driver on that namespace and reply with its plain-data output.

Everything after the hello runs next to untrusted code and is therefore untrusted too: the
grader treats every reply as mere data (see :mod:`autograde.protocol`).
"""

from __future__ import annotations

import argparse
import builtins
import errno
import os
import sys
from collections.abc import Sequence
from typing import Any

from autograde import jail, protocol
from autograde.exercise import describe_exception, drivers

MAX_REQUEST_BYTES = 256 * 1024 * 1024


def _explain(exc: BaseException, spec: jail.JailSpec) -> str:
    """What the student should read, for the failures the sandbox itself causes."""
    if isinstance(exc, MemoryError) or "can't allocate memory" in str(exc):
        return (f"ran out of memory: the sandbox allows {spec.memory_bytes / 2**20:.0f} MiB "
                f"({type(exc).__name__})")
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        return (f"wrote more than {spec.fsize_bytes / 2**20:.0f} MiB of output (prints or "
                "files); print less")
    if isinstance(exc, BlockingIOError) and exc.errno == errno.EAGAIN:
        return (f"hit the sandbox's limit of {spec.nproc} processes "
                f"({describe_exception(exc).removeprefix('your code raised ')})")
    if isinstance(exc, SystemExit):
        return f"your code called sys.exit({exc.code!r}); a function must return its result"
    if isinstance(exc, KeyboardInterrupt):
        return "your code raised KeyboardInterrupt"
    return describe_exception(exc)


def _display(*objects: Any, **_: Any) -> None:
    """Stand-in for IPython's ``display`` so notebooks that call it still run."""
    for obj in objects:
        print(repr(obj))


def _exec_cells(cells: list[dict[str, str]], ns: dict[str, Any], spec: jail.JailSpec) -> list:
    errors = []
    for cell in cells:
        try:
            exec(compile(cell["source"], cell["label"], "exec"), ns)  # noqa: S102 - the point
        except BaseException as exc:  # a failing cell is reported; the notebook goes on
            errors.append({"label": cell["label"], "message": _explain(exc, spec)})
    return errors


def _reply(request_id: str, **fields: Any) -> bytes:
    try:
        return protocol.encode({"id": request_id, **fields})
    except (TypeError, ValueError, RecursionError) as exc:
        return protocol.encode({"id": request_id, "ok": False,
                                "error": f"the output is not plain data ({exc})"})


def serve(spec: jail.JailSpec, fd_in: int, fd_out: int) -> None:
    """Answer requests until the grader closes the channel."""
    ns: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins, "display": _display}
    me = os.getpid()
    while True:
        if os.getpid() != me:  # a child forked by student code must not answer for us
            os._exit(0)
        try:
            request = protocol.read_frame(fd_in, max_bytes=MAX_REQUEST_BYTES)
        except protocol.ChannelClosed:
            return
        rid = str(request.get("id"))
        if request.get("op") == "exec":
            frame = _reply(rid, ok=True, errors=_exec_cells(request["cells"], ns, spec))
        else:
            try:
                driver = getattr(drivers(request["exercise"]), request["driver"])
                value = driver(ns, **request["kwargs"])
                frame = _reply(rid, ok=True, value=value)
            except BaseException as exc:  # the student's failure is an answer, not a crash
                frame = _reply(rid, ok=False, error=_explain(exc, spec))
        if os.getpid() != me:
            os._exit(0)
        protocol.write_all(fd_out, frame)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", required=True, help="JailSpec as JSON")
    parser.add_argument("--exercise", action="append", default=[])
    parser.add_argument("--fd-in", type=int, required=True, help="pipe the requests come on")
    parser.add_argument("--fd-out", type=int, required=True, help="pipe the replies go to")
    args = parser.parse_args(argv)
    spec = jail.JailSpec.from_json(args.spec)
    try:
        warnings = jail.enter(spec)
        for exercise in args.exercise:
            drivers(exercise)
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)
    except BaseException as exc:  # report why the sandbox could not start, then give up
        error = f"{type(exc).__name__}: {exc}"
        protocol.write_all(args.fd_out, _reply("hello", ok=False, error=error))
        return 1
    protocol.write_all(args.fd_out, _reply("hello", ok=True, warnings=warnings))
    serve(spec, args.fd_in, args.fd_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
