"""The vocabulary of the generated reviews: one lexicon per domain.

Why hand-written lexicons: the labels must carry real, checkable signal. Every sentiment
word has a known polarity, every aspect (what a review talks about) has its own
positive and negative predicates, and the function words of composition (negators,
intensifiers, contrast connectives) live in :mod:`book.data.grammar`, shared by all domains.
Several synonyms per polarity keep a model from memorising a handful of words.

The software domain talks about standard-library modules with the words of their
documentation (fast, reliable, deprecated, ...) because the offline kit's language model is
pre-trained on the Python docs. The restaurant domain shares almost no content word with
the other two, which is what the domain-adaptive pre-training chapter needs.

Invariants (tested): within a domain no predicate is both positive and negative, and no
subject, context or verdict-free phrase contains a predicate word, a negator or an intensifier,
so a parser that knows this lexicon can recover every label.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    """What a clause talks about, with its grammatical number (``is`` or ``are``)."""

    text: str
    plural: bool = False


@dataclass(frozen=True)
class Aspect:
    """A group of subjects that the same predicates describe sensibly."""

    subjects: tuple[Subject, ...]
    positive: tuple[str, ...]
    negative: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """Everything a domain contributes to the grammar."""

    name: str
    aspects: tuple[Aspect, ...]
    contexts: tuple[str, ...]
    """Polarity-free tails ("in production") appended to some clauses: they vary the surface
    and separate a predicate from the next connective, so bigrams cannot just read it off."""
    reasons: dict[int, tuple[str, ...]]
    """Whole sentences that justify a verdict, by polarity (+1 / -1); unlabeled text only."""
    verdicts: dict[int, tuple[str, ...]]
    """Closing verdicts ("Would recommend.") by polarity; unlabeled text only."""

    def predicates(self, polarity: int) -> frozenset[str]:
        """All predicates of one polarity (+1 or -1) across aspects."""
        return frozenset(
            p for a in self.aspects for p in (a.positive if polarity > 0 else a.negative)
        )


def _subjects(*names: str, plural: tuple[str, ...] = ()) -> tuple[Subject, ...]:
    return tuple(Subject(n, plural=n in plural) for n in names)


_MODULES = (
    "json", "asyncio", "pathlib", "sqlite3", "csv", "logging", "argparse", "subprocess",
    "datetime", "itertools", "collections", "unittest", "typing", "re", "shutil", "zipfile",
    "threading", "functools", "dataclasses", "tomllib", "multiprocessing", "urllib",
)

SOFTWARE = Lexicon(
    name="software",
    aspects=(
        Aspect(
            subjects=tuple(Subject(f"the {m} module") for m in _MODULES),
            positive=("fast", "reliable", "stable", "well designed", "easy to use",
                      "intuitive", "robust", "elegant", "flexible", "lightweight"),
            negative=("slow", "buggy", "unstable", "clunky", "hard to use", "awkward",
                      "fragile", "bloated", "deprecated", "limited"),
        ),
        Aspect(
            subjects=_subjects("the documentation", "the docs", "the tutorial", "the examples",
                               "the docstrings", "the how-to guide",
                               plural=("the docs", "the examples", "the docstrings")),
            positive=("clear", "well written", "thorough", "helpful", "up to date"),
            negative=("confusing", "outdated", "incomplete", "misleading", "poorly written"),
        ),
        Aspect(
            subjects=_subjects("the error messages", "the tracebacks", "the warnings",
                               plural=("the error messages", "the tracebacks", "the warnings")),
            positive=("helpful", "clear", "precise", "informative"),
            negative=("cryptic", "unhelpful", "misleading", "verbose"),
        ),
        Aspect(
            subjects=_subjects("the API", "the interface", "the type hints", "the defaults",
                               plural=("the type hints", "the defaults")),
            positive=("clean", "consistent", "well documented", "sensible", "predictable"),
            negative=("inconsistent", "clunky", "poorly documented", "surprising", "messy"),
        ),
        Aspect(
            subjects=_subjects("the test suite", "the installation", "the new release",
                               "the build"),
            positive=("fast", "painless", "reliable", "polished", "stable"),
            negative=("slow", "painful", "flaky", "broken", "rushed"),
        ),
    ),
    contexts=("in my experience", "for small scripts", "on large inputs",
              "since the last release", "these days", "for beginners", "in production",
              "on Windows", "compared to the alternatives", "for our use case",
              "out of the box", "on older machines"),
    reasons={
        1: ("It saved me hours of work.", "Our pipeline got simpler after we switched.",
            "Upgrading was painless.", "The maintainers answer issues quickly.",
            "I use it in every project now.", "It just works."),
        -1: ("I lost a whole afternoon to it.", "We had to pin an old version.",
             "Every upgrade breaks something.", "I ended up writing my own.",
             "Half my bug reports are about it.", "We are migrating away from it."),
    },
    verdicts={
        1: ("Would recommend.", "Highly recommended.", "Five stars.", "Four stars.",
            "A keeper.", "Use it."),
        -1: ("Would not recommend.", "Two stars.", "One star.", "Avoid.",
             "Look elsewhere.", "Not worth the trouble."),
    },
)

MOVIE = Lexicon(
    name="movie",
    aspects=(
        Aspect(
            subjects=_subjects("the plot", "the story", "the script", "the ending",
                               "the twist", "the premise"),
            positive=("gripping", "clever", "original", "moving", "engaging", "inventive"),
            negative=("predictable", "dull", "contrived", "clumsy", "far-fetched", "boring"),
        ),
        Aspect(
            subjects=_subjects("the acting", "the cast", "the lead actor", "the performances",
                               "the villain", "the supporting roles",
                               plural=("the performances", "the supporting roles")),
            positive=("convincing", "brilliant", "charming", "superb", "natural"),
            negative=("wooden", "unconvincing", "flat", "forgettable", "over the top"),
        ),
        Aspect(
            subjects=_subjects("the soundtrack", "the score", "the cinematography",
                               "the visual effects", "the costumes",
                               plural=("the visual effects", "the costumes")),
            positive=("beautiful", "stunning", "memorable", "gorgeous", "striking"),
            negative=("cheap", "distracting", "forgettable", "ugly", "grating"),
        ),
        Aspect(
            subjects=_subjects("the dialogue", "the jokes", "the humor",
                               plural=("the jokes",)),
            positive=("witty", "sharp", "funny", "clever"),
            negative=("clumsy", "stale", "cringeworthy", "flat"),
        ),
        Aspect(
            subjects=_subjects("the pacing", "the second half", "the editing"),
            positive=("tight", "brisk", "well judged", "confident"),
            negative=("sluggish", "uneven", "bloated", "choppy"),
        ),
    ),
    contexts=("for a sequel", "in the first hour", "for a debut", "on the big screen",
              "by genre standards", "for most of the film", "compared to the book",
              "in the final act", "for a family film", "on a second viewing",
              "for a summer blockbuster", "in the opening scenes"),
    reasons={
        1: ("I would watch it again tomorrow.", "The audience applauded at the end.",
            "It stayed with me for days.", "I bought the soundtrack on the way home.",
            "My friends loved it too.", "Worth every minute."),
        -1: ("I checked my watch twice.", "Half the audience left early.",
             "I forgot it by the next morning.", "I fell asleep before the end.",
             "My friends walked out.", "I want those two hours back."),
    },
    verdicts={
        1: ("Go see it.", "Highly recommended.", "Five stars.", "Four stars.",
            "A must see.", "Loved it."),
        -1: ("Skip it.", "Two stars.", "One star.", "Avoid.", "Wait for streaming.",
             "Not worth the ticket."),
    },
)

RESTAURANT = Lexicon(
    name="restaurant",
    aspects=(
        Aspect(
            subjects=_subjects("the food", "the pasta", "the soup", "the steak", "the dessert",
                               "the bread", "the fries", "the dumplings", "the curry",
                               plural=("the fries", "the dumplings")),
            positive=("delicious", "fresh", "tasty", "flavorful", "perfectly cooked"),
            negative=("bland", "stale", "greasy", "overcooked", "lukewarm"),
        ),
        Aspect(
            subjects=_subjects("the service", "the staff", "the waiter", "the waitress",
                               "the bartender", "the host"),
            positive=("friendly", "attentive", "welcoming", "helpful", "quick"),
            negative=("rude", "slow", "careless", "inattentive", "unfriendly"),
        ),
        Aspect(
            subjects=_subjects("the prices", "the bill", "the wine list",
                               plural=("the prices",)),
            positive=("reasonable", "fair", "affordable", "honest"),
            negative=("overpriced", "steep", "outrageous", "inflated"),
        ),
        Aspect(
            subjects=_subjects("the portions", "the servings", plural=("the portions",
                                                                          "the servings")),
            positive=("generous", "hearty", "filling", "ample"),
            negative=("tiny", "stingy", "meager", "skimpy"),
        ),
        Aspect(
            subjects=_subjects("the atmosphere", "the decor", "the music", "the terrace",
                               "the dining room"),
            positive=("cozy", "charming", "relaxed", "lovely"),
            negative=("noisy", "cramped", "gloomy", "loud"),
        ),
    ),
    contexts=("for the price", "at lunch", "on a busy night", "for a weekday",
              "compared to last year", "for the neighborhood", "at dinner",
              "on our last visit", "for a chain", "on a Sunday", "for a group of six",
              "after the renovation"),
    reasons={
        1: ("We booked again for next week.", "We stayed for a second bottle.",
            "My parents want to come back.", "We left a big tip.",
            "Everyone at the table was happy.", "We are already regulars."),
        -1: ("We waited forty minutes for a table.", "My partner sent the main back.",
             "We left before dessert.", "We got sick the next day.",
             "Nobody at the table finished their plate.", "We will eat at home next time."),
    },
    verdicts={
        1: ("Would recommend.", "Highly recommended.", "Five stars.", "Four stars.",
            "Worth the trip.", "We will be back."),
        -1: ("Would not recommend.", "Two stars.", "One star.", "Avoid.",
             "Not worth the money.", "Never again."),
    },
)

LEXICONS: dict[str, Lexicon] = {lex.name: lex for lex in (SOFTWARE, MOVIE, RESTAURANT)}
DOMAINS: tuple[str, ...] = tuple(LEXICONS)
PRETRAIN_DOMAINS: tuple[str, ...] = ("software", "movie")
"""Domains the offline kit mixes into pre-training, next to the Python documentation."""
DAPT_DOMAIN = "restaurant"
"""Held out of pre-training: the domain-adaptive pre-training chapter (Gururangan et al.
2020, https://arxiv.org/abs/2004.10964) continues pre-training on it."""


def lexicon(domain: str) -> Lexicon:
    """The lexicon of ``domain``, with an error that lists the domains that exist."""
    try:
        return LEXICONS[domain]
    except KeyError:
        raise ValueError(f"domain must be one of {DOMAINS}; found {domain!r}") from None
