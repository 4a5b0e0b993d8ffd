"""The pre-training corpus: text every Python install ships, mixed with unlabeled reviews.

Why this text: the kit must pre-train a real language model on a machine with no network,
so the corpus has to be on every machine already. CPython's standard library carries about
1.7 M characters of English prose about programming: the reference topics behind ``help()``
(``pydoc_data.topics``) and the docstrings of its modules, classes and functions. Web-scale
pre-training corpora mix many genres (e.g. *The Pile*, Gao et al. 2020,
https://arxiv.org/abs/2101.00027), and the course fine-tunes on product reviews, so about a
third of the characters are unlabeled reviews from ``book.data``, shuffled in among the
documentation the way reviews sit among manuals on the web.

Docstrings are read from the *source files* with :mod:`ast`, never by importing the modules:
importing arbitrary stdlib modules has side effects (``antigravity`` opens a browser,
``this`` prints a poem, ``tkinter`` needs a display).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import importlib.util
import random
import sysconfig
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SKIP_DIRS = frozenset(
    {
        "test", "tests", "idlelib", "site-packages", "turtledemo", "lib2to3", "ensurepip",
        "lib-dynload", "pydoc_data", "encodings", "__pycache__",
    }
)
"""Stdlib folders left out: test suites, GUI demos, installed packages, codec boilerplate.
``pydoc_data`` is read separately (it is one big dict, not docstrings)."""

MIN_DOC_CHARS = 40
"""Shorter docstrings ("Return self.") carry little language and repeat across classes."""

DOC_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Corpus:
    """Documents split into training and held-out validation parts (whole documents)."""

    train: list[str]
    validation: list[str]
    doc_chars: int
    """Characters from the standard library documentation."""
    review_chars: int
    """Characters from ``book.data.unlabeled_reviews`` (0 when that module is missing)."""
    reviews_note: str
    """Where the reviews came from, or why there are none."""

    @property
    def chars(self) -> int:
        return sum(map(len, self.train)) + sum(map(len, self.validation))

    def sha256(self) -> str:
        """Fingerprint of the exact text (split included), recorded in the kit manifest."""
        h = hashlib.sha256()
        for part in (self.train, self.validation):
            for doc in part:
                h.update(doc.encode("utf-8"))
                h.update(b"\0")
            h.update(b"\1")
        return h.hexdigest()


def stdlib_root() -> Path:
    """The folder of the running interpreter's standard library sources."""
    return Path(sysconfig.get_paths()["stdlib"])


def _docstrings(tree: ast.Module, module: str) -> Iterator[tuple[str, str]]:
    """(qualified name, docstring) of a module and every public class/function inside it."""
    stack: list[tuple[ast.AST, str]] = [(tree, module)]
    while stack:
        node, name = stack.pop(0)
        doc = ast.get_docstring(node)  # type: ignore[arg-type]
        if doc and len(doc) >= MIN_DOC_CHARS:
            yield name, doc
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                private = child.name.startswith("_") and not child.name.endswith("__")
                if not private:
                    stack.append((child, f"{name}.{child.name}"))


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def stdlib_documents() -> tuple[str, ...]:
    """Every documentation text of the standard library, in a fixed order, duplicates removed.

    Cached: the result depends only on the installed interpreter, and parsing ~600 files
    takes a few seconds that tests would otherwise pay on every build.
    """
    from pydoc_data.topics import topics  # a plain dict literal; importing it is harmless

    docs = [f"{key}\n{text.strip()}" for key, text in sorted(topics.items())]
    root = stdlib_root()
    seen: set[str] = set()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if SKIP_DIRS.intersection(rel.parts[:-1]) or rel.name.startswith("_sysconfigdata"):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue  # a few stdlib files are deliberately invalid or not UTF-8
        for qualname, doc in _docstrings(tree, _module_name(path, root)):
            if doc not in seen:
                seen.add(doc)
                docs.append(f"{qualname}\n{doc}")
    return tuple(docs)


def optional_data_function(name: str) -> tuple[Callable[..., Any] | None, str]:
    """``book.data.<name>`` if that module provides it, else ``None`` and the reason.

    The seam to the engineer-owned ``book.data``: the kit still builds (documentation only,
    no datasets) on a checkout where that module or function does not exist yet.
    """
    if importlib.util.find_spec("book.data") is None:
        return None, "book.data missing"
    function = getattr(importlib.import_module("book.data"), name, None)
    if function is None:
        return None, f"book.data.{name} missing"
    return function, f"book.data.{name}"


def review_texts(n_chars: int, seed: int) -> tuple[list[str], str]:
    """About ``n_chars`` characters of unlabeled reviews, and a note on where they came from."""
    if n_chars <= 0:
        return [], "no reviews requested"
    unlabeled_reviews, note = optional_data_function("unlabeled_reviews")
    if unlabeled_reviews is None:
        return [], f"{note}: documentation only"
    data = importlib.import_module("book.data")
    domains = tuple(getattr(data, "PRETRAIN_DOMAINS", ("software",)))
    # Ask for a small sample to learn the mean length, then for enough reviews to fill
    # the budget; both calls are seeded, so the result is deterministic.
    sample = unlabeled_reviews(64, domains=domains, seed=seed)["text"]
    mean = max(1.0, sum(map(len, sample)) / max(1, len(sample)))
    texts = unlabeled_reviews(int(n_chars / mean * 1.1) + 1, domains=domains, seed=seed)["text"]
    return _take(list(texts), n_chars), f"{note}(domains={list(domains)}, seed={seed})"


def _take(docs: list[str], max_chars: int | None) -> list[str]:
    if max_chars is None:
        return docs
    out, total = [], 0
    for doc in docs:
        if total >= max_chars:
            break
        out.append(doc)
        total += len(doc)
    return out


def build_corpus(
    *, seed: int, max_doc_chars: int | None, review_fraction: float, val_fraction: float
) -> Corpus:
    """Mix documentation and reviews, shuffle with ``seed``, hold out ``val_fraction``.

    ``review_fraction`` is the share of all characters that should come from reviews
    (2/3 for the real kit); ``max_doc_chars`` caps the documentation (tiny test kits).
    The validation split takes whole documents from the end of the shuffled list until it
    holds ``val_fraction`` of the characters, so no document straddles the split.
    """
    if not 0 <= review_fraction < 1:
        raise ValueError(f"review_fraction must be in [0, 1); found {review_fraction}")
    if not 0 < val_fraction < 0.5:
        raise ValueError(f"val_fraction must be in (0, 0.5); found {val_fraction}")
    rng = random.Random(seed)
    docs = list(stdlib_documents())
    rng.shuffle(docs)  # so a capped (tiny) corpus still samples the whole library
    docs = _take(docs, max_doc_chars)
    doc_chars = sum(map(len, docs))
    wanted = int(doc_chars * review_fraction / (1 - review_fraction))
    reviews, note = review_texts(wanted, seed)
    mixed = docs + reviews
    rng.shuffle(mixed)
    target = val_fraction * sum(map(len, mixed))
    cut, held = len(mixed), 0
    while held < target and cut > 1:
        cut -= 1
        held += len(mixed[cut])
    return Corpus(
        train=mixed[:cut],
        validation=mixed[cut:],
        doc_chars=doc_chars,
        review_chars=sum(map(len, reviews)),
        reviews_note=note,
    )
