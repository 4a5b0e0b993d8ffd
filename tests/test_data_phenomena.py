"""The rule-based phenomenon tagger agrees with the grammar's labels and tags real English."""

import pytest

from book.data import make_reviews
from book.data.grammar import PHENOMENA
from book.data.phenomena import tag_phenomenon


@pytest.mark.parametrize("domain", ["software", "movie", "restaurant"])
def test_tagger_agrees_with_the_grammar(domain: str) -> None:
    reviews = make_reviews(2000, domain=domain, seed=7)
    disagreements = [(text, phenomenon) for text, phenomenon in
                     zip(reviews["text"], reviews["phenomenon"], strict=True)
                     if tag_phenomenon(text) != phenomenon]
    assert not disagreements, disagreements[:5]


@pytest.mark.parametrize(("text", "expected"), [
    ("A gorgeous, witty, seductive movie.", "plain"),
    ("It's not a bad film at all.", "negation"),
    ("The cast is great but the script is a mess.", "contrast"),
    ("Although it isn't long, it drags.", "contrast_negation"),
    ("An extremely moving story.", "intensifier"),
    ("It doesn’t work.", "negation"),  # a typographic apostrophe, common in scraped text
    ("Nothing happens, and nobody cares.", "negation"),
    ("Butter chicken was great.", "plain"),  # whole words only
])
def test_tagger_on_real_sentences(text: str, expected: str) -> None:
    assert tag_phenomenon(text) == expected


def test_every_phenomenon_is_reachable() -> None:
    assert {tag_phenomenon(t) for t in ("a", "not a", "a but b", "not a but b", "very a")} == set(
        PHENOMENA)
