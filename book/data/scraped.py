"""Make clean labeled rows look scraped: the same review posted more than once.

Why this module: text collected from the web repeats. A review is submitted twice, mirrored
by an aggregator, re-posted with other capitalisation, or copied with stray spaces. A random
split of such rows puts copies of training texts into the test split, and the test score then
rewards memory instead of reading (Chapter 6 measures by how much). The course's generated
reviews (:mod:`book.data.reviews`) keep the splits apart by construction, so to teach
deduplication and group splits we add the duplicates back, seeded and counted, here.

Every copy is the same review to :func:`book.pipeline.splits.normalize_text` (case and
spacing ignored): exact copies and *variants* that only change case or whitespace. Copies keep
every field of their original (label included) and carry no flag, as a scraper's would not.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any


def variant(text: str, rng: random.Random) -> str:
    """``text`` with other case or spacing (never other words): one of lower case, upper
    case, a doubled space, or a stray leading/trailing space."""
    kind = rng.choice(("lower", "upper", "double space", "padding"))
    if kind == "lower":
        return text.lower()
    if kind == "upper":
        return text.upper()
    if kind == "double space" and " " in text:
        spaces = [i for i, char in enumerate(text) if char == " "]
        at = rng.choice(spaces)
        return text[:at] + "  " + text[at + 1:]
    return rng.choice((" " + text, text + " ", text + "  "))


def with_duplicates(
    rows: Sequence[dict[str, Any]],
    *,
    duplicate_share: float = 0.2,
    max_copies: int = 3,
    variant_share: float = 0.5,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """``rows`` plus copies of some of them, shuffled together.

    A random ``duplicate_share`` of the rows gets 1 to ``max_copies`` extra copies each
    (uniformly); each copy is exact, or with probability ``variant_share`` a case/spacing
    :func:`variant`. The same arguments give the same list on every machine.
    """
    if not 0.0 <= duplicate_share <= 1.0:
        raise ValueError(f"duplicate_share must be in [0, 1]; found {duplicate_share}")
    if not 0.0 <= variant_share <= 1.0:
        raise ValueError(f"variant_share must be in [0, 1]; found {variant_share}")
    if not isinstance(max_copies, int) or max_copies < 1:
        raise ValueError(f"max_copies must be a positive int; found {max_copies!r}")
    rng = random.Random(f"book.data.scraped/{seed}")
    out = [dict(row) for row in rows]
    chosen = rng.sample(range(len(rows)), round(duplicate_share * len(rows)))
    for index in sorted(chosen):
        for _ in range(rng.randint(1, max_copies)):
            copy = dict(rows[index])
            if rng.random() < variant_share:
                copy["text"] = variant(copy["text"], rng)
            out.append(copy)
    rng.shuffle(out)
    return out
