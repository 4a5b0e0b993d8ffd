"""Offline instruction data (Alpaca's ``instruction``/``input``/``output`` fields) and a facts set.

Why generated: the kit model (a 370k-parameter GPT-2) must learn each task on 2 cores in
seconds, and the answers must be short and exact, so that exact match means something. The
inputs come from the review grammar (:mod:`book.data.grammar`), from bucket-0 sentences only:
nothing here occurs verbatim in the kit model's pre-training text (bucket 1).

Task families (``FAMILIES``), each with one fixed instruction:

- ``sentiment``  "Is this review positive or negative?"  -> ``positive`` / ``negative``
- ``aspect``     "What does this review talk about?"  -> the subject, copied ("the docs")
- ``opinion``    "Which word describes {subject}?"  -> the predicate ("slow")
- ``unnegate``   "Rewrite the sentence without the negation."  -> the sentence, negator removed
- ``structured`` "Give the aspect and the sentiment as aspect: sentiment."  -> "the docs: negative"
- ``domain``     "Is this a software, movie or restaurant review?"  -> held out (``HELD_OUT``):
  never in train or validation, only in ``test_heldout``, to measure whether tuning on the
  other five teaches the model to follow an instruction it never saw.

The facts set (:func:`make_facts`) is for fine-tuning vs retrieval: which team owns which
internal service. Some facts are trained, the others never are; each fact can be asked as the
trained question or as a paraphrase, closed-book or with retrieved facts in the ``input``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from datasets import Dataset, DatasetDict

from book.data.grammar import DEFAULT_MIX, Clause, SentenceSampler, stable_bucket
from book.data.lexicons import DOMAINS, lexicon
from book.data.reviews import LABELED_BUCKET

FAMILIES: tuple[str, ...] = ("sentiment", "aspect", "opinion", "unnegate", "structured", "domain")
HELD_OUT: tuple[str, ...] = ("domain",)

INSTRUCTIONS: dict[str, str] = {
    "sentiment": "Is this review positive or negative?",
    "aspect": "What does this review talk about?",
    "opinion": "Which word describes {subject}?",
    "unnegate": "Rewrite the sentence without the negation.",
    "structured": "Give the aspect and the sentiment as aspect: sentiment.",
    "domain": "Is this a software, movie or restaurant review?",
}
NEGATED_SHARE = 0.25
"""Share of single-clause inputs (aspect, opinion, structured) that carry a negator."""
SENTIMENT_WORD = {1: "positive", -1: "negative"}


def _sentence(clause: Clause) -> str:
    text = clause.render()
    return text[0].upper() + text[1:] + "."


def _row(family: str, domain: str, sampler: SentenceSampler, rng: random.Random) -> dict:
    """One row of ``family`` (without the instruction text): input, output, meta, subject."""
    if family in ("sentiment", "domain"):
        kind = rng.choices(list(DEFAULT_MIX), list(DEFAULT_MIX.values()))[0]
        sentiment = rng.choice((1, -1))
        output = SENTIMENT_WORD[sentiment] if family == "sentiment" else domain
        return {"input": sampler.sentence(kind, sentiment), "output": output, "meta": kind}
    negate = family == "unnegate" or rng.random() < NEGATED_SHARE
    subject = sampler.subject()
    sentiment = rng.choice((1, -1))
    clause = sampler.clause(subject, sentiment, negate=negate, intensify=rng.random() < 0.3)
    row = {"input": _sentence(clause), "meta": "negated" if negate else "plain",
           "subject": subject.text}
    if family == "aspect":
        return {**row, "output": subject.text}
    if family == "opinion":
        return {**row, "output": clause.predicate}
    if family == "structured":
        return {**row, "output": f"{subject.text}: {SENTIMENT_WORD[sentiment]}"}
    if family == "unnegate":
        plain = Clause(clause.subject, clause.predicate, None, clause.intensifier, clause.context)
        return {**row, "output": _sentence(plain), "meta": clause.negator}
    raise ValueError(f"unknown family {family!r}; expected one of {FAMILIES}")


def make_instructions(n_train: int = 300, n_validation: int = 50, n_test: int = 100, *,
                      families: Sequence[str] = FAMILIES, held_out: Sequence[str] = HELD_OUT,
                      seed: int = 0) -> DatasetDict:
    """Splits ``train``, ``validation``, ``test`` (the trained families) and ``test_heldout``.

    Sizes are per family (``test_heldout`` gets ``n_test`` per held-out family). Columns:
    instruction, input, output, family, domain, meta (the input's phenomenon or negator).
    Inputs are unique within a family across all splits, and domains alternate.
    """
    rng = random.Random(f"book.data.instructions/{seed}")
    samplers = {d: SentenceSampler(lexicon(d), rng) for d in DOMAINS}
    splits: dict[str, list[dict]] = {"train": [], "validation": [], "test": [], "test_heldout": []}
    for family in families:
        seen: set[str] = set()
        plan = ([("test_heldout", n_test)] if family in held_out
                else [("train", n_train), ("validation", n_validation), ("test", n_test)])
        for split, n in plan:
            made = tries = 0
            while made < n:
                tries += 1
                if tries > 200 * n:
                    raise RuntimeError(f"could not draw {n} distinct {family!r} rows")
                domain = DOMAINS[made % len(DOMAINS)]
                row = _row(family, domain, samplers[domain], rng)
                if stable_bucket(row["input"]) != LABELED_BUCKET or row["input"] in seen:
                    continue
                seen.add(row["input"])
                splits[split].append({
                    "instruction": INSTRUCTIONS[family].format(subject=row.get("subject", "")),
                    "input": row["input"], "output": row["output"], "family": family,
                    "domain": domain, "meta": row["meta"]})
                made += 1
    for rows in splits.values():
        rng.shuffle(rows)
    return DatasetDict({name: Dataset.from_list(rows) for name, rows in splits.items()})


# ---- facts: fine-tuning vs retrieval -------------------------------------------------------

SERVICES: tuple[str, ...] = (
    "atlas", "beacon", "cobalt", "delta", "ember", "falcon", "garnet", "harbor", "indigo",
    "juniper", "kestrel", "lantern", "meadow", "nectar", "onyx", "pioneer", "quartz", "raven",
    "sierra", "tundra", "umber", "velvet", "willow", "yonder", "zephyr", "anchor", "bramble",
    "cinder", "drift", "echo", "fjord", "glacier", "hollow", "ivory", "jasper", "keystone",
)
TEAMS: tuple[str, ...] = ("billing", "search", "mobile", "security", "platform", "data",
                          "support", "growth", "payments")
QUESTION = "Which team owns the {service} service?"
PARAPHRASE = "Who is responsible for the {service} service?"
FACT = "The {service} service is owned by the {team} team."
N_TRAINED_FACTS = 24
"""Facts ``0..23`` are trained; the other twelve never are."""


def make_facts(seed: int = 0) -> Dataset:
    """One row per service: service, team, fact (the sentence), trained (bool)."""
    rng = random.Random(f"book.data.instructions.facts/{seed}")
    teams = [TEAMS[i % len(TEAMS)] for i in range(len(SERVICES))]
    rng.shuffle(teams)
    return Dataset.from_list([
        {"service": service, "team": team, "fact": FACT.format(service=service, team=team),
         "trained": i < N_TRAINED_FACTS}
        for i, (service, team) in enumerate(zip(SERVICES, teams, strict=True))])


def fact_question(service: str, *, paraphrase: bool = False) -> str:
    """The trained question about ``service``, or its never-trained paraphrase."""
    return (PARAPHRASE if paraphrase else QUESTION).format(service=service)


def reading_rows(n: int, seed: int = 0) -> list[dict]:
    """``n`` reading-comprehension rows: two facts in the ``input`` with teams drawn at random,
    the question about one of them, the team as the answer.

    Random owners mean the answer cannot be memorised, only read from the input: this is what
    teaches a model to use retrieved text (the services are the real ones, the owners are not).
    Only the trained question wording is used, so the paraphrase stays unseen in training.
    """
    rng = random.Random(f"book.data.instructions.reading/{seed}")
    rows = []
    for _ in range(n):
        asked, other = rng.sample(SERVICES, 2)
        team, other_team = rng.choice(TEAMS), rng.choice(TEAMS)
        facts = [FACT.format(service=asked, team=team), FACT.format(service=other, team=other_team)]
        rng.shuffle(facts)
        rows.append({"instruction": fact_question(asked),
                     "input": " ".join(facts), "output": team})
    return rows
