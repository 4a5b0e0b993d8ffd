"""Frames that cross the trust boundary: length-prefixed JSON on dedicated pipes.

Why not stdout: the student's code owns stdout (and every other byte of the sandbox process),
so a ``print`` must never be mistaken for an answer. Requests and replies travel on their own
pipe pair, each frame is ``4-byte big-endian length + UTF-8 JSON``, every request carries a
fresh random ``id`` that the reply must echo (a frame written by student code ahead of time
cannot match), and the grader caps the size of what it reads. Only JSON is ever parsed on
the trusted side: nothing from the sandbox is unpickled or evaluated.
"""

from __future__ import annotations

import json
import os
import secrets
import select
import struct
import time
from typing import Any

HEADER = struct.Struct(">I")
MAX_REPLY_BYTES = 16 * 1024 * 1024
"""Largest reply the grader accepts; driver outputs are summaries, not tensors."""


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed frame."""


class ChannelClosed(ProtocolError):
    """End of file: the other side closed its end (usually because its process died)."""


class ChannelTimeout(Exception):
    """No complete frame before the deadline."""


def new_request_id() -> str:
    return secrets.token_hex(8)


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, allow_nan=True, separators=(",", ":")).encode("utf-8")
    return HEADER.pack(len(body)) + body


def decode(body: bytes) -> dict[str, Any]:
    """Parse one frame body defensively: any failure is a ``ProtocolError``, never a crash."""
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"reply is not valid JSON ({type(exc).__name__})") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"reply must be a JSON object; found {type(message).__name__}")
    return message


def write_all(fd: int, data: bytes, deadline: float | None = None) -> None:
    """Write every byte; with a deadline the fd must be non-blocking (the grader's side)."""
    view = memoryview(data)
    while view:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChannelTimeout
            _, writable, _ = select.select([], [fd], [], remaining)
            if not writable:
                continue
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            raise ChannelClosed("the sandbox closed its request channel") from None
        view = view[written:]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    missing = size
    while missing:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChannelTimeout
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                continue
        try:
            chunk = os.read(fd, min(missing, 1 << 20))
        except BlockingIOError:
            continue
        if not chunk:
            raise ChannelClosed("end of file on the reply channel")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def read_frame(
    fd: int, deadline: float | None = None, max_bytes: int = MAX_REPLY_BYTES
) -> dict[str, Any]:
    """Read one frame; refuse (without reading it) a body larger than ``max_bytes``."""
    (size,) = HEADER.unpack(_read_exactly(fd, HEADER.size, deadline))
    if size > max_bytes:
        raise ProtocolError(
            f"reply of {size / 2**20:.1f} MiB exceeds the {max_bytes / 2**20:.0f} MiB limit"
        )
    return decode(_read_exactly(fd, size, deadline))
