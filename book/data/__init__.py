"""Datasets with one schema whatever the source: offline generators and hub loaders.

Labeled data: ``make_reviews`` / ``make_review_splits`` (generated, compositional
sentiment) or ``load_classification`` (offline kit or Hugging Face Hub, picked by
``book.config.source()``). Unlabeled in-domain text for (domain-adaptive) pre-training:
``unlabeled_reviews``. Instruction data and facts (``load_instructions``, ``load_facts``)
for instruction tuning. ``build_kit_datasets`` writes what the offline kit ships.
"""

from book.data.corpus import unlabeled_reviews
from book.data.grammar import DEFAULT_MIX, PHENOMENA
from book.data.kit_datasets import build_kit_datasets
from book.data.lexicons import DAPT_DOMAIN, DOMAINS, PRETRAIN_DOMAINS
from book.data.loaders import load_classification, load_facts, load_instructions
from book.data.reviews import make_review_splits, make_reviews
from book.data.schema import LABEL_NAMES

__all__ = [
    "DAPT_DOMAIN",
    "DEFAULT_MIX",
    "DOMAINS",
    "LABEL_NAMES",
    "PHENOMENA",
    "PRETRAIN_DOMAINS",
    "build_kit_datasets",
    "load_classification",
    "load_facts",
    "load_instructions",
    "make_review_splits",
    "make_reviews",
    "unlabeled_reviews",
]
