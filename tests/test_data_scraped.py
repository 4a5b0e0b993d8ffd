"""book.data.scraped: duplicates that only dedup by normalised text can find, seeded."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from book.data.scraped import variant, with_duplicates
from book.pipeline.splits import deduplicate, normalize_text

ROWS = [{"text": f"The docs are clear number {i}.", "label": i % 2, "id": i} for i in range(50)]


def test_variants_change_only_case_or_spacing() -> None:
    rng = random.Random(0)
    text = "The json module is not very fast, but the docs are clear."
    variants = {variant(text, rng) for _ in range(200)}
    assert len(variants) > 5  # lower, upper, several spacings
    assert all(normalize_text(v) == normalize_text(text) for v in variants)


def test_copies_are_counted_kept_whole_and_removed_by_dedup() -> None:
    scraped = with_duplicates(ROWS, duplicate_share=0.2, max_copies=3, seed=1)
    copies_per_id = Counter(row["id"] for row in scraped)
    duplicated = [i for i, n in copies_per_id.items() if n > 1]
    assert len(duplicated) == 10  # exactly 20 % of 50 rows got copies
    assert all(2 <= copies_per_id[i] <= 4 for i in duplicated)
    assert len(scraped) == sum(copies_per_id.values())
    by_id = {row["id"]: row for row in ROWS}
    for row in scraped:  # every field kept, text the same review
        original = by_id[row["id"]]
        assert {k: v for k, v in row.items() if k != "text"} == {
            k: v for k, v in original.items() if k != "text"}
        assert normalize_text(row["text"]) == normalize_text(original["text"])
    kept = deduplicate(scraped)
    assert kept.dropped == len(scraped) - len(ROWS)
    assert sorted(row["id"] for row in kept.rows) == list(range(50))


def test_some_copies_are_not_exact() -> None:
    scraped = with_duplicates(ROWS, duplicate_share=1.0, variant_share=1.0, seed=0)
    exact = Counter(row["text"] for row in scraped)
    assert len(exact) > len(ROWS)  # variants differ as strings...
    assert deduplicate(scraped).dropped == len(scraped) - len(ROWS)  # ...not as reviews
    plain = with_duplicates(ROWS, duplicate_share=1.0, variant_share=0.0, seed=0)
    assert len({row["text"] for row in plain}) == len(ROWS)


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    assert with_duplicates(ROWS, seed=3) == with_duplicates(ROWS, seed=3)
    assert with_duplicates(ROWS, seed=3) != with_duplicates(ROWS, seed=4)
    assert with_duplicates(ROWS, duplicate_share=0.0) != ROWS  # shuffled, as scraped
    assert sorted(r["id"] for r in with_duplicates(ROWS, duplicate_share=0.0)) == list(range(50))


def test_input_rows_are_not_modified() -> None:
    rows = [dict(row) for row in ROWS]
    with_duplicates(rows, duplicate_share=1.0, variant_share=1.0, seed=0)
    assert rows == ROWS


@pytest.mark.parametrize("knobs", [{"duplicate_share": 1.5}, {"variant_share": -0.1},
                                   {"max_copies": 0}])
def test_bad_knobs_say_what_was_expected(knobs: dict) -> None:
    with pytest.raises(ValueError, match="must be"):
        with_duplicates(ROWS, **knobs)
