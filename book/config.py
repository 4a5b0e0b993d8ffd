"""Where the course gets its models and data, and where it caches them.

One switch picks the source, so chapter code is identical online and offline:

``FTCOURSE_SOURCE``
    ``offline`` (default): models and datasets come from the offline kit that
    ``python -m book.kit build`` creates. Nothing touches the network; this is
    what CI, the published site and an air-gapped workshop use.
    ``hub``: models and datasets come from the Hugging Face Hub by their ids
    (students at home with internet).

``FTCOURSE_CACHE``
    Folder for the offline kit and other built assets. Default: ``.cache/``
    at the repository root (or ``~/.cache/ftcourse`` when the package is
    installed outside a checkout).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

Source = Literal["offline", "hub"]
SOURCES: tuple[Source, ...] = ("offline", "hub")

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A setting has a value the course cannot use; the message says which and why."""


def source() -> Source:
    """The active asset source, from ``FTCOURSE_SOURCE`` (default ``offline``)."""
    value = os.environ.get("FTCOURSE_SOURCE", "offline").strip().lower()
    if value not in SOURCES:
        raise ConfigError(
            f"FTCOURSE_SOURCE must be one of {', '.join(SOURCES)}; found {value!r}. "
            "Unset it to use the offline kit."
        )
    return value  # type: ignore[return-value]


def cache_dir() -> Path:
    """Root folder for built assets (the kit lives in ``cache_dir() / 'kit'``)."""
    env = os.environ.get("FTCOURSE_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    if (REPO_ROOT / "pyproject.toml").exists():
        return REPO_ROOT / ".cache"
    return Path.home() / ".cache" / "ftcourse"


def shown_path(path: str | Path) -> str:
    """``path`` as a page or report should print it: relative to the checkout (``.cache/kit``)
    or to the home folder (``~/...``), so a published page shows no build machine's paths."""
    path = Path(path).expanduser().resolve()
    for base, prefix in ((REPO_ROOT, ""), (Path.home().resolve(), "~/")):
        if path.is_relative_to(base):
            return prefix + str(path.relative_to(base)) if path != base else prefix or "."
    return str(path)

