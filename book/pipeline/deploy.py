"""Three ways to ship a fine-tuned classifier: fp32 PyTorch, dynamic int8, and ONNX Runtime.

- **Dynamic int8 quantization** (``torch.ao.quantization.quantize_dynamic``) stores the weights
  of ``nn.Linear`` layers as 8-bit integers and quantizes activations on the fly: about 4x
  smaller linear layers, no calibration data. Its catch for GPT-2: the blocks use
  ``transformers``' ``Conv1D`` (a linear layer with a transposed weight), which
  ``quantize_dynamic`` does not recognise, so only the head would be quantized.
  :func:`conv1d_to_linear` swaps them for equivalent ``nn.Linear`` first.
- **ONNX** (``torch.onnx.export``) writes the graph and weights in a runtime-neutral format that
  ONNX Runtime executes without PyTorch (a smaller server, other languages).
"""

from __future__ import annotations

import copy
import logging
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from transformers.pytorch_utils import Conv1D

from book.pipeline.metrics import softmax

Scorer = Callable[[Sequence[str]], np.ndarray]
"""texts -> logits ``(n, classes)``: what every deployment variant offers."""


def conv1d_to_linear(model: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``model`` with every ``Conv1D`` replaced by the same map as ``nn.Linear``."""
    model = copy.deepcopy(model)
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, Conv1D):
                n_in, n_out = child.weight.shape  # Conv1D computes x @ W + b, W: (in, out)
                linear = torch.nn.Linear(n_in, n_out)
                linear.weight.data = child.weight.data.t().contiguous()
                linear.bias.data = child.bias.data.clone()
                setattr(parent, name, linear)
    return model


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """Dynamic int8 quantization of every linear layer (GPT-2's ``Conv1D`` included)."""
    return torch.ao.quantization.quantize_dynamic(
        conv1d_to_linear(model).eval(), {torch.nn.Linear}, dtype=torch.qint8
    )


class LogitsOnly(torch.nn.Module):
    """``(input_ids, attention_mask) -> logits``: the plain tensor signature ONNX export needs
    (a ``transformers`` model takes keyword arguments and returns an output object)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits


def export_onnx(model: torch.nn.Module, tokenizer, path: str | Path) -> Path:
    """Export ``model`` to ``path`` with dynamic batch and sequence axes.

    ``torch.onnx.export(..., dynamo=True)``, the exporter PyTorch recommends since 2.9: it
    captures the graph with ``torch.export`` (no Python-level tracing of branches) and writes it
    with ``onnxscript``. The example inputs only fix the dtypes; ``dynamic_shapes`` declares
    which sizes may change. Export puts the module in eval mode; we keep it there.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper = LogitsOnly(model).eval()
    example = tokenizer(["an example review", "a second, longer example review"],
                        padding=True, return_tensors="pt")
    batch, sequence = torch.export.Dim("batch"), torch.export.Dim("sequence")
    axes = {0: batch, 1: sequence}
    onnx_log = logging.getLogger("torch.onnx")
    level = onnx_log.level
    with warnings.catch_warnings():
        # notices about internal deprecations, axis naming and optional packages (torchvision),
        # none about the result: whether the graph computes the same logits is what
        # compare_variants measures
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        onnx_log.setLevel(logging.ERROR)
        try:
            program = torch.onnx.export(
                wrapper, (example["input_ids"], example["attention_mask"]), dynamo=True,
                input_names=["input_ids", "attention_mask"], output_names=["logits"],
                dynamic_shapes={"input_ids": axes, "attention_mask": axes}, verbose=False,
            )
        finally:
            onnx_log.setLevel(level)
    program.save(str(path))
    model.eval()
    return path


def torch_scorer(model: torch.nn.Module, tokenizer, max_length: int) -> Scorer:
    """Logits from a PyTorch model (fp32 or quantized)."""
    model.eval()

    @torch.no_grad()
    def score(texts: Sequence[str]) -> np.ndarray:
        batch = tokenizer(list(texts), truncation=True, max_length=max_length, padding=True,
                          return_tensors="pt")
        return model(input_ids=batch["input_ids"],
                     attention_mask=batch["attention_mask"]).logits.float().numpy()

    return score


def onnx_scorer(path: str | Path, tokenizer, max_length: int) -> Scorer:
    """Logits from an ONNX file, run by ONNX Runtime on the CPU (one thread, like the course)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def score(texts: Sequence[str]) -> np.ndarray:
        batch = tokenizer(list(texts), truncation=True, max_length=max_length, padding=True,
                          return_tensors="np")
        feed = {name: batch[name].astype(np.int64) for name in ("input_ids", "attention_mask")}
        return session.run(["logits"], feed)[0]

    return score


def size_mb(path: str | Path) -> float:
    """Size on disk of a file, or of every file under a folder, in MB (10^6 bytes)."""
    path = Path(path)
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def latency_ms(score: Scorer, texts: Sequence[str], repeats: int = 3) -> float:
    """Median over ``repeats`` of the mean milliseconds per text, one text per call (a service
    answering single requests), after one warm-up call."""
    score(texts[:1])
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for text in texts:
            score([text])
        runs.append((time.perf_counter() - start) * 1000 / len(texts))
    return float(np.median(runs))


def compare_variants(variants: dict[str, tuple[Scorer, float]], texts: Sequence[str],
                     labels: Sequence[int], latency_texts: Sequence[str]) -> list[dict]:
    """One row per variant: size, latency, accuracy and max |Δ logit| against the first one.

    ``variants`` maps a name to ``(scorer, size_mb)``; the first entry is the reference.
    """
    reference = None
    rows = []
    for name, (score, size) in variants.items():
        logits = score(texts)
        reference = logits if reference is None else reference
        rows.append({
            "variant": name,
            "size (MB)": round(size, 3),
            "latency (ms/example)": round(latency_ms(score, latency_texts), 3),
            "accuracy": float((softmax(logits).argmax(-1) == np.asarray(labels)).mean()),
            "max |Δ logit| vs fp32": float(np.abs(logits - reference).max()),
        })
    return rows
