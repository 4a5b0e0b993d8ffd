"""Where a kit lives on disk. Light on purpose: no torch import, so ``paths()`` is instant."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from book.config import cache_dir
from book.kit.manifest import MANIFEST_NAME
from book.kit.presets import DEFAULT_PRESET, get_preset


class KitError(RuntimeError):
    """The kit cannot be built or used; the message says what to do."""


@dataclass(frozen=True)
class KitPaths:
    """The folders and files of one kit."""

    root: Path
    lm: Path
    """Model and tokenizer: pass it to ``from_pretrained`` like a hub id."""
    datasets: Path
    """``datasets.save_to_disk`` folders written by ``book.data.build_kit_datasets``."""
    manifest: Path

    @classmethod
    def at(cls, root: Path) -> KitPaths:
        return cls(root=root, lm=root / "lm", datasets=root / "datasets",
                   manifest=root / MANIFEST_NAME)


def paths(preset: str | None = None) -> KitPaths:
    """Paths of the kit for ``preset`` under ``book.config.cache_dir()``; builds nothing.

    ``preset=None`` means ``$FTCOURSE_KIT_PRESET`` or ``full``. The course kit lives in
    ``<cache>/kit``; other presets (the tiny test kit) get their own ``<cache>/kit-<preset>``
    so they can never overwrite it.
    """
    name = get_preset(preset).name
    return KitPaths.at(cache_dir() / ("kit" if name == DEFAULT_PRESET else f"kit-{name}"))
