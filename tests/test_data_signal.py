"""The labels carry the signal the chapters rely on.

A rule-based oracle that parses the grammar from the text alone (lexicon look-up, negators,
"the main clause wins") must recover every clean label; the unlabeled corpus must agree
with itself sentence by sentence; and a bag of words must be strong on plain sentences and
near chance on contrasts.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from book.data import DOMAINS, make_review_splits, make_reviews, unlabeled_reviews
from book.data.baseline import bow_baseline
from book.data.lexicons import LEXICONS, Lexicon

NEGATOR = re.compile(r"\b(not|never|hardly|no longer)\b|n't\b")
MAIN_AFTER = ("; however, ", ", but ", ", yet ")
MAIN_BEFORE = (", although ", ", even though ")


def predicates_in(clause: str, lex: Lexicon) -> list[tuple[str, int]]:
    """Every lexicon predicate in ``clause`` with its polarity (longest phrases first)."""
    found = []
    for polarity in (1, -1):
        for phrase in sorted(lex.predicates(polarity), key=len, reverse=True):
            if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", clause):
                if not any(phrase in longer for longer, _ in found):
                    found.append((phrase, polarity))
    return found


def clause_sentiment(clause: str, lex: Lexicon) -> int:
    found = predicates_in(clause, lex)
    assert len(found) == 1, (clause, found)
    polarity = found[0][1]
    return -polarity if NEGATOR.search(clause) else polarity


def oracle(sentence: str, lex: Lexicon) -> int:
    """+1 / -1 read off one generated sentence, knowing only the lexicon and the rules."""
    s = sentence.rstrip(".").lower()
    for connective in MAIN_AFTER:
        if connective in s:
            return clause_sentiment(s.split(connective, 1)[1], lex)
    for connective in MAIN_BEFORE:
        if connective in s:
            return clause_sentiment(s.split(connective, 1)[0], lex)
    if s.startswith(("although ", "while ")):
        return clause_sentiment(s.split(", ", 1)[1], lex)
    return clause_sentiment(s, lex)


@pytest.mark.parametrize("domain", DOMAINS)
def test_oracle_recovers_every_clean_label(domain: str) -> None:
    ds = make_reviews(3000, domain=domain, label_noise=0.15, seed=11)
    lex = LEXICONS[domain]
    for row in ds:
        composed = 1 if oracle(row["text"], lex) > 0 else 0
        # the observed label disagrees with the text exactly on the rows flagged noisy
        assert (composed != row["label"]) == row["noisy"], row


def test_oracle_on_hand_checked_examples() -> None:
    lex = LEXICONS["software"]
    cases = {
        "The json module is fast.": 1,
        "The json module isn't fast.": -1,
        "The docs are hardly confusing.": 1,
        "The json module is fast, but the docs are confusing.": -1,
        "The docs are confusing, but the json module is fast.": 1,
        "Although the docs are confusing, the json module is fast.": 1,
        "The json module is fast, although the docs are confusing.": 1,
        "The json module is not very fast; however, the docs are clear.": 1,
        "The tutorial is up to date, but not well written.": -1,
    }
    for text, sentiment in cases.items():
        assert oracle(text, lex) == sentiment, text


def test_contrast_rows_hold_one_positive_and_one_negative_word() -> None:
    """So the words alone never decide a contrast: only their order does."""
    lex = LEXICONS["software"]
    ds = make_reviews(500, phenomena="contrast", seed=4)
    for text in ds["text"]:
        polarities = sorted(p for _, p in predicates_in(text.lower(), lex))
        assert polarities == [-1, 1], text


def test_unlabeled_reviews_agree_in_polarity_sentence_by_sentence() -> None:
    ds = unlabeled_reviews(600, domains=DOMAINS, seed=3)
    assert ds.column_names == ["text", "domain"]
    assert Counter(ds["domain"]) == dict.fromkeys(DOMAINS, 200)
    lengths, snippets = set(), 0
    for row in ds:
        lex = LEXICONS[row["domain"]]
        fixed = {s: p for p in (1, -1) for s in lex.verdicts[p] + lex.reasons[p]}
        verdicts = set(lex.verdicts[1] + lex.verdicts[-1])
        sentences = re.split(r"(?<=\.) ", row["text"])
        polarities = {fixed[s] if s in fixed else oracle(s, lex) for s in sentences}
        assert len(polarities) == 1, row
        assert sentences[0] not in fixed  # it opens with a compositional sentence
        for before, s in zip(sentences, sentences[1:-1], strict=False):
            if s in verdicts:  # a mid-review verdict rates the compositional sentence before it
                assert before not in fixed, row
                snippets += 1
        lengths.add(sum(s not in verdicts for s in sentences[:-1]) + 1)
    assert lengths == {2, 3, 4, 5}  # not counting the snippet verdicts
    assert snippets > 200  # about half the non-final compositional sentences


def test_unlabeled_text_never_contains_a_labeled_review() -> None:
    labeled = set(make_reviews(3000, domain="restaurant", seed=0)["text"])
    corpus = unlabeled_reviews(1500, domains=("restaurant",), seed=0)["text"]
    sentences = {s for text in corpus for s in re.split(r"(?<=\.) ", text)}
    assert len(sentences) > 1500
    assert not labeled & sentences


def test_unlabeled_reviews_seeded() -> None:
    a = unlabeled_reviews(50, seed=1)["text"]
    assert a == unlabeled_reviews(50, seed=1)["text"]
    assert a != unlabeled_reviews(50, seed=2)["text"]


def test_bag_of_words_is_strong_on_plain_and_near_chance_on_contrast() -> None:
    dd = make_review_splits(2000, 0, 2000, seed=0)
    unigram = bow_baseline(dd["train"], dd["test"])
    bigram = bow_baseline(dd["train"], dd["test"], ngram_range=(1, 2))
    assert unigram["ngram_range"] == [1, 1] and bigram["ngram_range"] == [1, 2]
    by_kind, by_kind2 = unigram["accuracy_by_phenomenon"], bigram["accuracy_by_phenomenon"]
    assert by_kind["plain"] > 0.9
    assert by_kind["intensifier"] > 0.9
    assert abs(by_kind["contrast"] - 0.5) < 0.1
    # a negated word still counts with its own polarity: worse than a coin
    assert by_kind["negation"] < 0.3
    assert by_kind2["negation"] > by_kind["negation"] + 0.1  # "not fast" is a bigram
    assert by_kind2["contrast"] < 0.75
    for report in (unigram, bigram):
        assert 0.6 < report["accuracy"] < 0.85
        assert abs(report["macro_f1"] - report["accuracy"]) < 0.02


def test_bag_of_words_without_phenomenon_column() -> None:
    train = make_reviews(400, phenomena="plain", seed=1).select_columns(["text", "label"])
    test = make_reviews(200, phenomena="plain", seed=2).select_columns(["text", "label"])
    report = bow_baseline(train, test)
    assert report["accuracy_by_phenomenon"] == {}
    assert report["accuracy"] > 0.9
