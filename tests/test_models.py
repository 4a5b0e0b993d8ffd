"""The model registry: names resolve to hub ids online, to the kit offline; loaders work.

Nothing here reaches a hub: the hub branch is exercised with a local folder (exactly what
``from_pretrained`` does with a hub id after download) and by checking the ids it would use.
"""

from __future__ import annotations

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

from book import kit, models
from book.kit.tokenizer import EOS, train_tokenizer

REQUIRED = {
    "kit-lm": None,
    "gpt2": "openai-community/gpt2",
    "distilgpt2": "distilbert/distilgpt2",
    "smollm2-135m": "HuggingFaceTB/SmolLM2-135M",
    "qwen2.5-0.5b": "Qwen/Qwen2.5-0.5B",
    "distilbert": "distilbert/distilbert-base-uncased",
    "llama-2-7b": "meta-llama/Llama-2-7b-hf",
}


@pytest.fixture(scope="module")
def tiny_kit(tmp_path_factory):
    """Offline source, the tiny kit in a temporary cache: what ``kit-lm`` resolves to."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FTCOURSE_CACHE", str(tmp_path_factory.mktemp("cache")))
        mp.setenv("FTCOURSE_KIT_PRESET", "tiny")
        mp.setenv("FTCOURSE_SOURCE", "offline")
        yield kit.ensure(progress=False)


@pytest.fixture
def gpt2_dir(tmp_path):
    """A tiny random GPT-2 saved like a hub checkpoint, with GPT-2's flaw: no pad token."""
    trained = train_tokenizer(["the cat sat on the mat. " * 20, "a dog ran. " * 20], 300, 32)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=trained.backend_tokenizer, bos_token=EOS, eos_token=EOS
    )
    assert tokenizer.pad_token is None
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=32, n_embd=16, n_layer=1,
                        n_head=2, bos_token_id=tokenizer.eos_token_id,
                        eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    GPT2LMHeadModel(config).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    return tmp_path


def test_registry_has_required_entries_with_consistent_numbers():
    assert {name: models.REGISTRY[name].hub_id for name in REQUIRED} == REQUIRED
    assert models.get("llama-2-7b").cpu_ok is False
    assert models.get("distilbert").kind == "encoder"
    gpt2 = models.get("gpt2")
    assert gpt2.params == 124_439_808
    assert gpt2.inference_gb == pytest.approx(0.498, abs=1e-3)  # 4 bytes per parameter
    assert gpt2.finetune_gb == pytest.approx(1.991, abs=1e-3)  # 16 bytes per parameter
    assert gpt2.lora_finetune_gb == pytest.approx(0.518, abs=1e-3)  # 4 + 1 % x 16 bytes
    for spec in models.REGISTRY.values():  # LoRA saves the optimizer state, not the weights
        assert spec.inference_gb < spec.lora_finetune_gb < spec.finetune_gb
    assert models.get("kit-lm").params == kit.get_preset("full").params()
    rows = models.registry_table()
    assert [r["name"] for r in rows] == list(models.REGISTRY)
    assert {"hub_id", "params_millions", "cpu_ok", "inference_gb", "lora_finetune_gb",
            "full_finetune_gb", "offline_stand_in", "kind"} <= set(rows[0])


def test_hub_source_resolves_to_hub_ids_without_loading(monkeypatch):
    monkeypatch.setenv("FTCOURSE_SOURCE", "hub")
    assert models.resolve("gpt2") == "openai-community/gpt2"
    assert models.resolve("qwen2.5-0.5b") == "Qwen/Qwen2.5-0.5B"
    assert models.resolve("EleutherAI/pythia-70m") == "EleutherAI/pythia-70m"  # any hub id
    with pytest.raises(KeyError, match="unknown model 'gpt-17'"):
        models.resolve("gpt-17")


def test_local_folder_passes_through_and_loads_like_a_hub_model(gpt2_dir, monkeypatch):
    monkeypatch.setenv("FTCOURSE_SOURCE", "hub")
    assert models.resolve(str(gpt2_dir)) == str(gpt2_dir)
    model, tokenizer = models.load_causal_lm(str(gpt2_dir))
    assert tokenizer.pad_token == EOS  # the loader supplied GPT-2's missing pad token
    assert model.config.pad_token_id == tokenizer.eos_token_id

    clf, tokenizer = models.load_sequence_classifier(str(gpt2_dir), num_labels=3)
    batch = tokenizer(["the cat", "the cat sat on the mat"], padding=True, return_tensors="pt")
    assert clf(**batch).logits.shape == (2, 3)  # batch > 1 works only with pad_token_id set


@pytest.mark.slow
def test_offline_names_and_hub_ids_resolve_to_the_kit(tiny_kit, monkeypatch):
    for name in ("kit-lm", "gpt2", "openai-community/gpt2", "smollm2-135m"):
        assert models.resolve(name) == str(tiny_kit.lm)
    model, tokenizer = models.load_causal_lm("gpt2")
    assert isinstance(model, GPT2LMHeadModel)
    assert model.config.vocab_size == len(tokenizer) == kit.get_preset("tiny").vocab_size
    clf, _ = models.load_sequence_classifier("distilgpt2", num_labels=2)
    assert clf.config.num_labels == 2 and clf.config.pad_token_id == tokenizer.pad_token_id
    monkeypatch.setenv("FTCOURSE_SOURCE", "hub")
    assert models.resolve("kit-lm") == str(tiny_kit.lm)  # the kit model exists only locally


@pytest.mark.slow
def test_offline_refuses_unknown_hub_ids_and_wrong_kinds(tiny_kit):
    with pytest.raises(KeyError, match="FTCOURSE_SOURCE=hub"):
        models.resolve("EleutherAI/pythia-70m")
    with pytest.raises(ValueError, match="encoder"):
        models.load_causal_lm("distilbert")
    with pytest.raises(ValueError, match="num_labels must be a positive int; found 0"):
        models.load_sequence_classifier("gpt2", num_labels=0)


def test_causal_lm_trainer_counts_only_predicted_tokens(gpt2_dir, tmp_path):
    """GPT-2's first label per row is never predicted: Trainer must not count it (5.23 bug)."""
    from transformers import Trainer, TrainingArguments

    from book.models import load_causal_lm

    model, _ = load_causal_lm(str(gpt2_dir))
    assert model.loss_type == "ForCausalLM"
    args = TrainingArguments(output_dir=str(tmp_path / "out"), report_to="none", use_cpu=True)
    assert Trainer(model=model, args=args)._loss_shifts_labels
