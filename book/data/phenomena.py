"""Tag any English sentence with the phenomenon the course's per-phenomenon tables use.

Why rules: the generated reviews know their phenomenon (the grammar chose it), but hub
datasets (SST-2, Yelp) do not, and the chapters' "accuracy per phenomenon" tables must work on
them too. Negation and contrast are marked by a short list of words in English, so a few rules
find them in any text. The tagger is checked against the grammar's own labels
(``tests/test_data_phenomena.py``); on real text it is an approximation — "while" can be
temporal, "no" can be an answer — and the pages say so.

``tag_phenomenon`` returns one of ``book.data.grammar.PHENOMENA``:

- ``contrast_negation``: a contrast connective and a negator;
- ``contrast``: a contrast connective ("but", "although", "however", ...);
- ``negation``: a negator ("not", "n't", "never", "hardly", "no longer", "no", ...);
- ``intensifier``: an amplifier or downtoner ("very", "slightly", ...);
- ``plain``: none of these.
"""

from __future__ import annotations

import re

from book.data.grammar import INTENSIFIERS, NEGATORS

CONTRAST_WORDS: tuple[str, ...] = ("but", "yet", "however", "although", "though", "even though",
                                   "while", "whereas", "nevertheless", "nonetheless")
"""The connectives of the grammar's contrast templates, and their common synonyms."""
EXTRA_NEGATORS: tuple[str, ...] = ("no", "nothing", "none", "nobody", "neither", "nor",
                                   "cannot", "without")
EXTRA_INTENSIFIERS: tuple[str, ...] = ("so", "too", "quite", "highly", "absolutely", "totally")


def _words(*groups: tuple[str, ...]) -> re.Pattern[str]:
    words = sorted({w for group in groups for w in group if w != "n't"}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)


_NEGATION = re.compile(_words(NEGATORS, EXTRA_NEGATORS).pattern + r"|n't\b|n’t\b",
                       re.IGNORECASE)
_CONTRAST = _words(CONTRAST_WORDS)
_INTENSIFIER = _words(INTENSIFIERS, EXTRA_INTENSIFIERS)


def tag_phenomenon(text: str) -> str:
    """The phenomenon of ``text`` by rule (see the module docstring)."""
    negated = _NEGATION.search(text) is not None
    if _CONTRAST.search(text):
        return "contrast_negation" if negated else "contrast"
    if negated:
        return "negation"
    return "intensifier" if _INTENSIFIER.search(text) else "plain"
