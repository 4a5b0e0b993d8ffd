"""The kit manifest: what was built, from what, how well, and the hash of every file.

The manifest is written *last*: a kit folder without one is half-built by definition. On every
use the files are re-hashed against it (the kit is a few MB, so this takes milliseconds), so a
truncated or edited file is caught instead of silently loaded.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
FORMAT = 1
"""Bump when the kit layout changes; older kits are then rebuilt."""

REQUIRED_FILES = ("lm/config.json", "lm/model.safetensors", "lm/tokenizer.json")
"""Files a usable kit must list; the manifest of a kit without them is rejected."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def hash_tree(root: Path) -> dict[str, str]:
    """``{relative posix path: sha256}`` of every file under ``root`` except the manifest."""
    return {
        p.relative_to(root).as_posix(): sha256_file(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME
    }


def write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest`` plus the hashes of every file now under ``root``."""
    manifest = {**manifest, "format": FORMAT, "files": hash_tree(root)}
    text = json.dumps(manifest, indent=2, sort_keys=True)
    tmp = root / (MANIFEST_NAME + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(root / MANIFEST_NAME)


def read_manifest(root: Path) -> dict[str, Any]:
    """The parsed manifest; ``FileNotFoundError``/``ValueError`` if missing or not JSON."""
    return json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))


def problem(root: Path, recipe: str) -> str | None:
    """Why the kit at ``root`` cannot be used for ``recipe``, or ``None`` if it can."""
    if not root.is_dir():
        return "not built yet"
    try:
        manifest = read_manifest(root)
    except FileNotFoundError:
        return f"no {MANIFEST_NAME} (a build was interrupted)"
    except (ValueError, UnicodeDecodeError) as exc:
        return f"{MANIFEST_NAME} is not valid JSON ({exc})"
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return f"{MANIFEST_NAME} has format {manifest.get('format')!r}, expected {FORMAT}"
    if manifest.get("recipe") != recipe:
        return "built with other settings or code (recipe hash differs)"
    files = manifest.get("files")
    if not isinstance(files, dict) or not set(REQUIRED_FILES) <= set(files):
        return f"{MANIFEST_NAME} does not list the required files {list(REQUIRED_FILES)}"
    for rel, digest in files.items():
        path = root / rel
        if not path.is_file():
            return f"{rel} is missing"
        if sha256_file(path) != digest:
            return f"{rel} is corrupt (SHA-256 differs from the manifest)"
    return None
