"""A small compositional grammar of one-sentence reviews, with the label it implies.

Why compositional: a sentiment label that any bag of words can read off teaches nothing
about pre-trained models. Here the label of a sentence is computed the way a reader
computes it (the Stanford Sentiment Treebank was built to study exactly this, Socher et
al. 2013, https://aclanthology.org/D13-1170/):

* a **clause** is a subject, a copula and a predicate from the domain lexicon; its
  sentiment is the predicate's polarity, flipped by a **negator** ("not", "isn't", "never",
  "hardly", "no longer"); **intensifiers** and downtoners ("very", "slightly") keep it;
* a **contrast** joins two clauses of opposite sentiment with a connective and the
  **main clause wins**: "A, but B" and "although A, B" take B's sentiment, "B, although A"
  takes B's too. Both orders are equally likely for either label, so the multiset of words
  of a contrast sentence says nothing about its label: "the docs are clear, but the API is
  messy" and "the API is messy, but the docs are clear" have the same bag of words and
  opposite labels.

Phenomena (``PHENOMENA``): ``plain`` (one clause), ``intensifier`` (one intensified clause),
``negation`` (one negated clause), ``contrast`` (two clauses, no negation) and
``contrast_negation`` (two clauses, at least one negated: the label needs both rules).
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from book.data.lexicons import Lexicon, Subject

PHENOMENA: tuple[str, ...] = ("plain", "intensifier", "negation", "contrast", "contrast_negation")
DEFAULT_MIX: dict[str, float] = {
    "plain": 0.4,
    "intensifier": 0.2,
    "negation": 0.15,
    "contrast": 0.15,
    "contrast_negation": 0.1,
}
"""Most sentences use sentiment words at face value, as in real reviews, so word polarity is
learnable from the data; 40 % need composition. (With a 50/50 split, negated sentences blur
each word's polarity so much that a bag of words trained on 2000 rows misreads even plain
sentences: 0.82 instead of 0.98 accuracy on them.)"""

NEGATORS: tuple[str, ...] = ("not", "n't", "never", "hardly", "no longer")
INTENSIFIERS: tuple[str, ...] = (
    "very", "extremely", "really", "incredibly", "remarkably", "truly",
    "slightly", "somewhat", "a bit", "fairly",
)
"""Amplifiers and downtoners: both keep the clause's polarity."""
NEGATABLE_INTENSIFIERS: tuple[str, ...] = ("very", "really", "extremely")
"""The ones English puts after "not" ("not very fast"; never "not slightly fast")."""
CONTRAST_TEMPLATES: tuple[str, ...] = (
    "{lose}, but {main}",
    "{lose}, yet {main}",
    "{lose}; however, {main}",
    "although {lose}, {main}",
    "while {lose}, {main}",
    "{main}, although {lose}",
    "{main}, even though {lose}",
)
"""``{main}`` is the clause whose sentiment the sentence takes."""
ELLIPSIS_TEMPLATE = "{lose}, but {main}"
"""Same subject in both clauses: "the json module is fast, but buggy" (subject elided)."""

CONTEXT_PROBABILITY = 0.35
ELLIPSIS_PROBABILITY = 0.2
INTENSIFY_IN_CONTRAST = 0.25
INTENSIFY_NEGATED = 0.3
"""Share of negation sentences with "not very": negation scopes over the intensifier."""


@dataclass(frozen=True)
class Clause:
    """One predication; ``subject=None`` renders it elided ("but not very fast")."""

    subject: Subject | None
    predicate: str
    negator: str | None = None
    intensifier: str | None = None
    context: str | None = None

    def render(self) -> str:
        words: list[str] = []
        if self.subject is not None:
            copula = "are" if self.subject.plural else "is"
            words.append(self.subject.text)
            words.append(copula + "n't" if self.negator == "n't" else copula)
        if self.negator and self.negator != "n't":
            words.append(self.negator)
        if self.intensifier:
            words.append(self.intensifier)
        words.append(self.predicate)
        if self.context:
            words.append(self.context)
        return " ".join(words)


def stable_bucket(sentence: str) -> int:
    """0 or 1 from a hash that is the same on every machine and run (unlike ``hash``).

    Labeled reviews use only bucket-0 sentences and the unlabeled corpus only bucket-1
    sentences, so no labeled example ever appears verbatim in pre-training text: otherwise
    a language model could memorise a test sentence next to its verdict ("... Avoid.").
    """
    return zlib.crc32(sentence.encode("utf-8")) & 1


Phenomena = str | Sequence[str] | Mapping[str, float] | None
"""A phenomenon name, a list of names (uniform mix), ``{name: weight}``, or None (default)."""


def resolve_mix(phenomena: Phenomena) -> dict[str, float]:
    """Normalised phenomenon weights from the forms a caller may pass.

    ``None``: ``DEFAULT_MIX``; a name or a sequence of names: uniform over them; a mapping:
    the given (non-negative, not all zero) weights.
    """
    if phenomena is None:
        weights: Mapping[str, float] = DEFAULT_MIX
    elif isinstance(phenomena, str):
        weights = {phenomena: 1.0}
    elif isinstance(phenomena, Mapping):
        weights = phenomena
    else:
        weights = dict.fromkeys(phenomena, 1.0)
    unknown = sorted(set(weights) - set(PHENOMENA))
    if unknown:
        raise ValueError(f"phenomena must be among {PHENOMENA}; found {unknown}")
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError(f"phenomenon weights must be >= 0 and not all 0; found {dict(weights)}")
    total = float(sum(weights.values()))
    return {p: w / total for p, w in weights.items() if w > 0}


def exact_counts(n: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Split ``n`` into integer counts by ``weights`` summing to 1 (largest remainder).

    Exact counts rather than ``n`` independent draws: a requested 5 % minority class or
    phenomenon share is then what the dataset holds, not 5 % plus sampling noise.
    """
    if abs(sum(weights.values()) - 1.0) > 1e-9:
        raise ValueError(f"weights must sum to 1; found {dict(weights)}")
    raw = {k: n * w for k, w in weights.items()}
    counts = {k: int(v) for k, v in raw.items()}
    by_remainder = sorted(raw, key=lambda k: (counts[k] - raw[k], list(raw).index(k)))
    for k in by_remainder[: n - sum(counts.values())]:
        counts[k] += 1
    return counts


class SentenceSampler:
    """Draws sentences of a given phenomenon and sentiment from one domain's lexicon."""

    def __init__(self, lex: Lexicon, rng: random.Random) -> None:
        self.lex = lex
        self.rng = rng

    def sentence(self, phenomenon: str, sentiment: int) -> str:
        """One sentence whose composed sentiment is ``sentiment`` (+1 or -1)."""
        if phenomenon in ("contrast", "contrast_negation"):
            text = self._contrast(sentiment, negated=phenomenon == "contrast_negation")
        else:
            subject = self.subject()
            text = self.clause(
                subject,
                sentiment,
                negate=phenomenon == "negation",
                intensify=phenomenon == "intensifier"
                or (phenomenon == "negation" and self.rng.random() < INTENSIFY_NEGATED),
            ).render()
        return text[0].upper() + text[1:] + "."

    def subject(self, other_than: Subject | None = None) -> Subject:
        """A random subject of the lexicon (not ``other_than``)."""
        while True:
            subject = self.rng.choice(self.rng.choice(self.lex.aspects).subjects)
            if subject != other_than:
                return subject

    def clause(
        self,
        subject: Subject,
        sentiment: int,
        *,
        negate: bool,
        intensify: bool,
        elided: bool = False,
    ) -> Clause:
        """One clause about ``subject`` whose composed sentiment is ``sentiment``."""
        rng = self.rng
        aspect = next(a for a in self.lex.aspects if subject in a.subjects)
        polarity = -sentiment if negate else sentiment
        predicate = rng.choice(aspect.positive if polarity > 0 else aspect.negative)
        negator = rng.choice(NEGATORS) if negate else None
        if elided and negator == "n't":
            negator = "not"  # no copula to attach "n't" to
        intensifier = None
        if intensify and negator is None:
            intensifier = rng.choice(INTENSIFIERS)
        elif intensify and negator in ("not", "n't"):  # "hardly very fast" is not English
            intensifier = rng.choice(NEGATABLE_INTENSIFIERS)
        context = rng.choice(self.lex.contexts) if rng.random() < CONTEXT_PROBABILITY else None
        return Clause(
            subject=None if elided else subject,
            predicate=predicate,
            negator=negator,
            intensifier=intensifier,
            context=context,
        )

    def _contrast(self, sentiment: int, *, negated: bool) -> str:
        rng = self.rng
        # contrast_negation: a negator in the main clause, the other one, or both
        neg_main, neg_lose = (
            rng.choice(((True, False), (False, True), (True, True))) if negated else (False, False)
        )
        main_subject = self.subject()
        elided = rng.random() < ELLIPSIS_PROBABILITY
        lose_subject = main_subject if elided else self.subject(other_than=main_subject)
        lose = self.clause(lose_subject, -sentiment, negate=neg_lose,
                            intensify=rng.random() < INTENSIFY_IN_CONTRAST)
        main = self.clause(main_subject, sentiment, negate=neg_main,
                            intensify=rng.random() < INTENSIFY_IN_CONTRAST, elided=elided)
        template = ELLIPSIS_TEMPLATE if elided else rng.choice(CONTRAST_TEMPLATES)
        return template.format(lose=lose.render(), main=main.render())
