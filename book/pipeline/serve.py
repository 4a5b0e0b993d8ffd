"""A small HTTP service for a saved model: FastAPI routes, run by uvicorn.

``GET /`` is a health check (model name, task, labels). ``POST /predict`` takes
``{"text": "..."}`` and answers ``{"label": ..., "score": ...}`` for a classifier (and
``{"response": ...}`` for an instruction-tuned model). Bad requests get a 4xx status and a
``detail`` message that says what was expected; the server keeps serving.

Why a plain JSON body checked by hand instead of a pydantic model: the messages are the
course's own ("'text' must be a string"), the same for every client, and nothing else is
needed to read them.

No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations to decide
what each parameter is (``request: Request`` is the raw request), and string annotations of
names defined in a function's scope cannot be resolved; a route parameter it cannot place
becomes a required query parameter, and every ``POST /predict`` would answer 422.
"""

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI, HTTPException, Request

MAX_TEXT_CHARS = 10_000
"""Longest text accepted: a guard against a request that would tie up the server."""

Predictor = Callable[[str], dict[str, Any]]
"""One text -> the JSON answer for it."""


def create_app(predict: Predictor, info: dict[str, Any]):
    """The FastAPI app: ``info`` is what the health check reports."""
    app = FastAPI(title=f"ftcourse: {info.get('model', 'model')}")

    @app.get("/")
    def health() -> dict[str, Any]:
        return {"status": "ok", **info}

    @app.post("/predict")
    async def predict_route(request: Request) -> dict[str, Any]:
        body = await request.body()
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise HTTPException(
                400, 'the body must be JSON, e.g. {"text": "Great value."}') from None
        if not isinstance(payload, dict):
            raise HTTPException(422, 'the body must be a JSON object with a "text" field')
        if "text" not in payload:
            raise HTTPException(422, "missing field 'text'")
        text = payload["text"]
        if not isinstance(text, str):
            raise HTTPException(422, f"'text' must be a string; found {type(text).__name__}")
        if not text.strip():
            raise HTTPException(422, "'text' is empty")
        if len(text) > MAX_TEXT_CHARS:
            raise HTTPException(413, f"'text' has {len(text)} characters; the limit is "
                                     f"{MAX_TEXT_CHARS}")
        return predict(text)

    return app


def free_port() -> int:
    """A TCP port on localhost that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running(app, port: int | None = None, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread; yield its base URL; stop on exit.

    For a notebook or a test: the real server over real HTTP, without a second process.
    """
    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start on {host}:{port}")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
