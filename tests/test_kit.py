"""The offline kit: builds, verifies, reloads through from_pretrained, survives corruption.

Every build here is the ``tiny`` preset in a temporary ``FTCOURSE_CACHE`` (seconds, not
minutes); the real kit in ``.cache/kit`` is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    GPT2LMHeadModel,
)

from book import kit
from book.kit import cli
from book.kit.corpus import build_corpus, stdlib_documents
from book.kit.manifest import sha256_file

pytestmark = pytest.mark.slow  # builds kits and parses the standard library (seconds each)

TINY = "tiny"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A tiny kit built once for this module: (paths, seconds the build took)."""
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FTCOURSE_CACHE", str(cache))
        start = time.perf_counter()
        paths = kit.ensure(TINY, progress=False)
        seconds = time.perf_counter() - start
        yield paths, seconds


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh, empty cache folder for tests that build or break their own kit."""
    monkeypatch.setenv("FTCOURSE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _mtimes(root: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in root.rglob("*")}


# --- corpus -------------------------------------------------------------------------------


def test_corpus_is_stdlib_docs_without_tests():
    docs = stdlib_documents()
    assert sum(map(len, docs)) > 1_500_000  # the full documentation the real kit uses
    titles = [d.split("\n", 1)[0] for d in docs]
    assert any(t.startswith("json.") for t in titles)
    assert "for" in titles  # a pydoc_data reference topic
    assert not any(t.startswith(("test.", "idlelib.", "lib2to3.")) for t in titles)
    assert len(set(docs)) == len(docs)


def test_corpus_split_and_review_share_are_as_asked():
    corpus = build_corpus(seed=3, max_doc_chars=200_000, review_fraction=1 / 3, val_fraction=0.05)
    val = sum(map(len, corpus.validation))
    assert 0.05 <= val / corpus.chars < 0.05 + 30_000 / corpus.chars  # whole documents
    if corpus.review_chars:  # book.data present
        assert corpus.review_chars / corpus.chars == pytest.approx(1 / 3, abs=0.01)
    again = build_corpus(seed=3, max_doc_chars=200_000, review_fraction=1 / 3, val_fraction=0.05)
    other = build_corpus(seed=4, max_doc_chars=200_000, review_fraction=1 / 3, val_fraction=0.05)
    assert again.sha256() == corpus.sha256() != other.sha256()


# --- build, manifest, idempotence, determinism ----------------------------------------------


def test_tiny_build_learns_and_records_everything(built):
    paths, _ = built
    manifest = kit.read_manifest(TINY)
    pre = manifest["pretraining"]
    assert pre["final_val_loss"] < pre["initial_val_loss"] - 0.3
    assert pre["initial_val_loss"] == pytest.approx(torch.log(torch.tensor(400.0)).item(), abs=0.3)
    assert manifest["model"]["params"] == kit.get_preset(TINY).params()  # the registry's formula
    assert manifest["tokenizer"]["vocab_size"] == kit.get_preset(TINY).vocab_size
    assert len(manifest["corpus"]["sha256"]) == 64
    assert set(manifest["seconds"]) >= {"corpus", "tokenizer", "pretraining", "datasets", "total"}
    for rel, digest in manifest["files"].items():
        assert sha256_file(paths.root / rel) == digest
    assert "lm/model.safetensors" in manifest["files"]
    assert manifest["versions"]["torch"] == torch.__version__


def test_second_ensure_is_a_fast_cache_hit(built):
    paths, build_seconds = built
    before = _mtimes(paths.root)
    start = time.perf_counter()
    again = kit.ensure(TINY, progress=False)
    seconds = time.perf_counter() - start
    assert again == paths
    assert _mtimes(paths.root) == before  # nothing rewritten
    assert seconds < min(1.0, build_seconds / 5)


def test_two_builds_are_identical(built, cache):
    paths, _ = built
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FTCOURSE_CACHE", str(paths.root.parent))
        m1 = kit.read_manifest(TINY)
    kit.ensure(TINY, progress=False)  # into the fresh `cache`
    m2 = kit.read_manifest(TINY)
    lm1 = {k: v for k, v in m1["files"].items() if k.startswith("lm/")}
    lm2 = {k: v for k, v in m2["files"].items() if k.startswith("lm/")}
    assert lm1 == lm2 and "lm/model.safetensors" in lm1
    assert m1["pretraining"] == m2["pretraining"]
    assert m1["corpus"] == m2["corpus"]
    assert m1["datasets"] == m2["datasets"]


# --- the kit loads like a hub model ---------------------------------------------------------


def test_reload_causal_lm_classifier_and_tokenizer(built):
    paths, _ = built
    tokenizer = AutoTokenizer.from_pretrained(paths.lm)
    text = "def f(x):\n    return x  # naïve ✓"
    assert tokenizer.decode(tokenizer(text)["input_ids"]) == text  # byte-level: lossless
    assert tokenizer.eos_token == tokenizer.bos_token == tokenizer.unk_token == "<|endoftext|>"
    assert tokenizer.pad_token == "<pad>" and tokenizer.mask_token == "<mask>"

    lm = AutoModelForCausalLM.from_pretrained(paths.lm)
    assert isinstance(lm, GPT2LMHeadModel)
    assert lm.config.resid_pdrop == lm.config.attn_pdrop == 0.1  # GPT-2's, for fine-tuning
    batch = tokenizer(["The function returns a list of the values."] * 2, return_tensors="pt")
    trained = lm(**batch, labels=batch["input_ids"]).loss.item()
    torch.manual_seed(0)
    untrained = GPT2LMHeadModel(lm.config)(**batch, labels=batch["input_ids"]).loss.item()
    assert trained < untrained - 0.3

    clf = AutoModelForSequenceClassification.from_pretrained(paths.lm, num_labels=2)
    assert clf.config.pad_token_id == tokenizer.pad_token_id
    clf.eval()
    texts = ["Great tool.", "The installer crashed twice and the docs are wrong."]
    padded = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = clf(**padded).logits
        alone = clf(**tokenizer(texts[:1], return_tensors="pt")).logits
    assert logits.shape == (2, 2)
    # the classifier reads the last *real* token, so padding must not change the short row
    torch.testing.assert_close(logits[:1], alone)

    collator = DataCollatorForLanguageModeling(tokenizer, mlm=True, mlm_probability=0.5, seed=0)
    masked = collator([tokenizer("a b c d e f g h i j k l m n o p")])
    assert (masked["input_ids"] == tokenizer.mask_token_id).any()


def test_kit_datasets_are_loadable_when_book_data_provides_them(built):
    paths, _ = built
    manifest = kit.read_manifest(TINY)
    fragment = manifest["datasets"]["manifest"]
    if fragment is None:
        pytest.skip(manifest["datasets"]["note"])
    from datasets import load_from_disk

    for name in fragment["datasets"]:
        assert len(load_from_disk(str(paths.datasets / name))) > 0


# --- failures are detected and explained ----------------------------------------------------


def test_corrupt_or_half_built_kit_is_detected_and_rebuilt(built, cache):
    source, _ = built
    paths = kit.paths(TINY)
    shutil.copytree(source.root, paths.root)
    good = json.loads(paths.manifest.read_text())["files"]
    weights = paths.lm / "model.safetensors"

    weights.write_bytes(weights.read_bytes()[:1000])  # truncated weights
    assert "model.safetensors is corrupt" in kit.problem(TINY)
    with pytest.raises(kit.KitError, match="unusable: lm/model.safetensors is corrupt"):
        kit.verify(TINY)
    kit.ensure(TINY, progress=False)
    assert kit.problem(TINY) is None and sha256_file(weights) == good["lm/model.safetensors"]

    paths.manifest.unlink()  # a build that died before its last step
    assert "interrupted" in kit.problem(TINY)
    kit.ensure(TINY, progress=False)
    assert kit.problem(TINY) is None
    assert not list(cache.glob(".kit-tiny-*"))  # no build or old folders left behind

    manifest = json.loads(paths.manifest.read_text())
    paths.manifest.write_text(json.dumps({**manifest, "recipe": "0" * 64}))
    assert "recipe" in kit.problem(TINY)


def test_cli_verify_path_info(built, capsys, monkeypatch):
    paths, _ = built
    monkeypatch.setenv("FTCOURSE_CACHE", str(paths.root.parent))
    assert cli.main(["--preset", TINY, "verify"]) == 0
    assert cli.main(["--preset", TINY, "path", "lm"]) == 0
    assert cli.main(["--preset", TINY, "info"]) == 0
    out = capsys.readouterr().out
    assert f"ok: {paths.root}" in out and str(paths.lm) in out
    assert "validation loss" in out and "parameters" in out

    monkeypatch.setenv("FTCOURSE_CACHE", str(paths.root.parent / "nowhere"))
    assert cli.main(["--preset", TINY, "verify"]) == 1
    err = capsys.readouterr().err
    assert "not built yet" in err and "python -m book.kit --preset tiny build" in err


def test_unwritable_cache_gives_a_clear_error(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FTCOURSE_CACHE", str(blocker / "cache"))  # even root cannot mkdir here
    with pytest.raises(kit.KitError, match="FTCOURSE_CACHE") as info:
        kit.ensure(TINY, progress=False)
    assert str(blocker / "cache") in str(info.value)
    assert cli.main(["--preset", TINY, "build", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "cannot write the kit cache folder" in err and "Traceback" not in err


def test_missing_package_is_named(cache, monkeypatch):
    monkeypatch.delitem(sys.modules, "book.kit.build", raising=False)
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails
    with pytest.raises(kit.KitError, match="needs the package 'torch'"):
        kit.ensure(TINY, progress=False)


def test_python_m_book_kit_runs_without_traceback(tmp_path):
    env = {**os.environ, "FTCOURSE_CACHE": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "book.kit", "--preset", TINY, "verify"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 1
    assert "not built yet" in done.stderr and "Traceback" not in done.stderr


def test_recipe_changes_when_the_review_generator_changes(monkeypatch):
    """The corpus mixes in book.data's reviews: editing that code must make the kit stale."""
    from pathlib import Path

    from book.kit.presets import get_preset

    preset = get_preset("tiny")
    before = preset.recipe()
    real_read = Path.read_bytes

    def edited(self: Path) -> bytes:
        content = real_read(self)
        is_generator = self.name == "corpus.py" and self.parent.name == "data"
        return content + b"# edit" if is_generator else content

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert preset.recipe() != before


def test_recipe_follows_the_modules_the_build_imports_only():
    """Transitive imports of the kit's data modules count; a chapter's own data helper does not
    (adding one must not force every machine to rebuild the kit)."""
    from book.kit.presets import kit_data_sources

    names = {path.name for path in kit_data_sources()}
    assert {"kit_datasets.py", "corpus.py", "reviews.py", "grammar.py", "lexicons.py"} <= names
    assert "loaders.py" not in names and "baseline.py" not in names
