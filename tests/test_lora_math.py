"""``book.lora_math`` against known values and against what peft actually builds."""

from __future__ import annotations

import math

import pytest
import torch
from peft import LoraConfig, get_peft_model
from torch import nn
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

from book.lora_math import (
    adapter_size,
    in_out_features,
    lora_param_count,
    lora_params,
    lora_scaling,
    matches_target,
    nf4_bytes_per_param,
    target_shapes,
    training_footprint,
)
from book.models import BYTES_FULL_FINETUNE
from book.train import count_parameters

# peft 0.21 asks transformers 5 for a deprecated attribute inside get_peft_model.
pytestmark = pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated")


def tiny_gpt2() -> GPT2LMHeadModel:
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=50, n_positions=16, n_embd=24, n_layer=2, n_head=2,
        bos_token_id=0, eos_token_id=0,
    )
    return GPT2LMHeadModel(config)


def tiny_llama() -> LlamaForCausalLM:
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=50, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, bos_token_id=0, eos_token_id=0,
        pad_token_id=0,
    )
    return LlamaForCausalLM(config)


def test_known_reference_rows() -> None:
    # LLaMA-7B q_proj + v_proj, r=8: 32 layers x 2 matrices x 8 x (4096 + 4096).
    assert lora_param_count([(4096, 4096)] * 64, r=8) == 4_194_304
    # GPT-2 small c_attn, r=8: 12 layers x 8 x (768 + 2304).
    assert lora_param_count([(768, 2304)] * 12, r=8) == 294_912
    assert lora_params(3, 5, 2) == 16


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_rank_must_be_positive_int(bad: object) -> None:
    with pytest.raises(ValueError, match="rank r must be an integer >= 1"):
        lora_params(4, 4, bad)  # type: ignore[arg-type]


def test_conv1d_shapes_are_read_as_in_out() -> None:
    attn = tiny_gpt2().transformer.h[0].attn.c_attn
    assert tuple(attn.weight.shape) == (24, 72)  # Conv1D stores [in, out]
    assert in_out_features(attn) == (24, 72)
    assert in_out_features(nn.Linear(24, 72)) == (24, 72)  # Linear stores [out, in]
    with pytest.raises(TypeError, match="found Embedding"):
        in_out_features(nn.Embedding(3, 4))


def test_suffix_matching_like_peft() -> None:
    assert matches_target("transformer.h.0.mlp.c_proj", "c_proj")
    assert matches_target("transformer.h.0.attn.c_proj", "attn.c_proj")
    assert not matches_target("transformer.h.0.mlp.c_proj", "attn.c_proj")
    assert not matches_target("transformer.h.0.attn.xc_proj", "c_proj")
    shapes = target_shapes(tiny_gpt2(), ["c_proj"])
    assert len(shapes) == 4  # attn.c_proj and mlp.c_proj in each of 2 layers
    with pytest.raises(ValueError, match="no module of GPT2LMHeadModel matches"):
        target_shapes(tiny_gpt2(), ["q_proj"])


@pytest.mark.parametrize(
    ("build", "targets", "extra"),
    [
        (tiny_gpt2, ["c_attn", "c_fc"], {"fan_in_fan_out": True}),
        (tiny_gpt2, ["c_proj"], {"fan_in_fan_out": True}),
        (tiny_llama, ["q_proj", "v_proj", "down_proj"], {}),
    ],
)
@pytest.mark.parametrize("r", [1, 4])
def test_formula_agrees_with_peft(build, targets: list[str], extra: dict, r: int) -> None:
    base = build()
    shapes = target_shapes(base, targets)
    size = adapter_size(count_parameters(base).total, shapes.values(), r)
    peft_model = get_peft_model(base, LoraConfig(r=r, target_modules=targets, **extra))
    trainable, total = peft_model.get_nb_trainable_parameters()
    assert size.trainable == trainable
    assert size.share == pytest.approx(trainable / total)


def test_adapter_megabytes() -> None:
    size = adapter_size(1_000_000, [(100, 150)], r=8)  # 2,000 params
    assert size.megabytes("fp32") == pytest.approx(0.008)
    assert size.megabytes("bf16") == pytest.approx(0.004)
    with pytest.raises(ValueError, match="dtype must be one of"):
        size.megabytes("int3")


def test_scaling_matches_peft() -> None:
    assert lora_scaling(16, 4) == 4.0
    assert lora_scaling(16, 4, rslora=True) == 8.0
    for rslora in (False, True):
        model = get_peft_model(
            tiny_llama(),
            LoraConfig(r=16, lora_alpha=8, target_modules=["q_proj"], use_rslora=rslora),
        )
        layer = model.base_model.model.model.layers[0].self_attn.q_proj
        assert layer.scaling["default"] == pytest.approx(lora_scaling(8, 16, rslora=rslora))


def test_nf4_constants_match_qlora_paper() -> None:
    # Dettmers et al. 2023: 0.5 extra bits/param without, 0.127 with double quantization.
    assert nf4_bytes_per_param(double_quant=False) * 8 == pytest.approx(4.5)
    assert nf4_bytes_per_param() * 8 == pytest.approx(4 + 8 / 64 + 32 / (64 * 256))
    assert round(nf4_bytes_per_param() * 8 - 4, 3) == 0.127


def test_footprints() -> None:
    n = 1_000
    full = training_footprint("full", frozen_weight_bytes=0, n_trainable=n, trainable_dtype="fp32")
    assert (full.weights, full.gradients, full.optimizer, full.total) == (4000, 4000, 8000, 16000)
    assert full.total / n == BYTES_FULL_FINETUNE  # the registry's figure, from its parts
    half = training_footprint("full bf16", frozen_weight_bytes=0, n_trainable=n,
                              trainable_dtype="bf16")
    assert half.total == 12 * n  # bf16 weights + grads, fp32 Adam moments
    lora = training_footprint("lora", frozen_weight_bytes=2 * n, n_trainable=10,
                              trainable_dtype="fp32")
    assert (lora.weights, lora.gradients, lora.optimizer) == (2040, 40, 80)
    with pytest.raises(ValueError, match="must be >= 0"):
        training_footprint("x", frozen_weight_bytes=-1, n_trainable=1, trainable_dtype="fp32")


def test_llama7b_reference_row_on_meta_device() -> None:
    with torch.device("meta"):
        base = LlamaForCausalLM(LlamaConfig())  # defaults are LLaMA-7B's shapes
    shapes = target_shapes(base, ["q_proj", "v_proj"])
    size = adapter_size(count_parameters(base).total, shapes.values(), r=8)
    assert size.trainable == 4_194_304
    assert size.base_params == 6_738_415_616
    assert math.isclose(size.share * 100, 0.0622, abs_tol=5e-5)
