"""Deduplicate texts and split them so that no text is in two splits.

Why it matters: scraped reviews repeat (reposts, templates, the same text with other
spacing). A random split of rows then puts copies of a training text in the test split, the
model is scored partly on what it memorised, and the test score overstates how it does on new
text. The cure is to split *groups* of rows that share a normalised text, never rows.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """The key two texts share when they are "the same review": case and spacing ignored."""
    return _SPACE.sub(" ", text).strip().casefold()


@dataclass(frozen=True)
class Dedup:
    rows: list[dict[str, Any]]
    """One row per normalised text, in order of first appearance: the row whose exact text is
    the most frequent spelling of the group (the first such row on ties)."""
    dropped: int
    """Rows removed as copies of an earlier row."""
    conflicting: int
    """Texts that came with more than one label (the first label is kept)."""


def deduplicate(rows: Sequence[dict[str, Any]]) -> Dedup:
    """Keep one row per normalised ``text``; count copies and label conflicts.

    The kept row has the group's most common exact spelling: keeping simply the first copy
    can keep a SHOUTED or oddly spaced variant that is rare in the data.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(normalize_text(row["text"]), []).append(row)
    kept = []
    for group in groups.values():
        spellings = Counter(row["text"] for row in group)
        kept.append(next(row for row in group
                         if spellings[row["text"]] == max(spellings.values())))
    return Dedup(rows=kept, dropped=len(rows) - len(kept),
                 conflicting=sum(len({str(r.get("label")) for r in g}) > 1
                                 for g in groups.values()))


def group_split(
    rows: Sequence[dict[str, Any]], fractions: Sequence[float], seed: int = 0
) -> list[list[dict[str, Any]]]:
    """Split ``rows`` into ``len(fractions)`` parts; rows with the same normalised text stay
    together, so no text appears in two parts.

    Groups are shuffled with ``seed`` and dealt out until each part holds about its fraction of
    the rows. ``fractions`` must be positive and sum to 1.
    """
    if not fractions or any(f <= 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(f"fractions must be positive and sum to 1; found {list(fractions)}")
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(normalize_text(row["text"]), []).append(row)
    keys = list(groups)
    random.Random(seed).shuffle(keys)
    targets = [f * len(rows) for f in fractions]
    parts: list[list[dict[str, Any]]] = [[] for _ in fractions]
    part = 0
    for key in keys:
        while part < len(parts) - 1 and len(parts[part]) >= targets[part]:
            part += 1
        parts[part].extend(groups[key])
    return parts


def overlap(a: Sequence[dict[str, Any]], b: Sequence[dict[str, Any]]) -> int:
    """How many rows of ``b`` have a normalised text that also occurs in ``a``."""
    seen = {normalize_text(r["text"]) for r in a}
    return sum(normalize_text(r["text"]) in seen for r in b)
