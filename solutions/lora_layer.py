"""Reference solution of the ``lora_layer`` exercise (instructors and the grader only).

LoRA (Hu et al. 2021): keep the pre-trained W frozen and learn a low-rank update
Delta W = (alpha / r) * B A with A in R^{r x in}, B in R^{out x r}. A starts like an
``nn.Linear`` weight (Kaiming-uniform, as in peft and the paper's loralib) and B at zero, so
the wrapped layer computes exactly what the base layer did until B has been trained.
``merge`` folds the update into a fresh ``nn.Linear`` and leaves this module untouched, so
calling it twice cannot add the update twice.
"""

import math

import torch
from torch import nn


class LoRALinear(nn.Module):
    """A frozen ``nn.Linear`` plus a trainable rank-``r`` update; see the stub for details."""

    def __init__(self, base: nn.Linear, r: int, alpha: float, dropout: float = 0.0) -> None:
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"base must be an nn.Linear; found {type(base).__name__}")
        if isinstance(r, bool) or not isinstance(r, int) or r < 1:
            raise ValueError(f"r must be an integer >= 1; found {r!r}")
        self.base = base
        for param in self.base.parameters():
            param.requires_grad_(False)
        self.r = r
        self.alpha = alpha
        self.scaling = alpha / r
        factory = {"dtype": base.weight.dtype, "device": base.weight.device}
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, **factory))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, **factory))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        update = (self.dropout(x) @ self.lora_A.T) @ self.lora_B.T
        return self.base(x) + self.scaling * update

    @torch.no_grad()
    def merge(self) -> nn.Linear:
        base = self.base
        merged = nn.Linear(
            base.in_features,
            base.out_features,
            bias=base.bias is not None,
            dtype=base.weight.dtype,
            device=base.weight.device,
        )
        merged.weight.copy_(base.weight + self.scaling * (self.lora_B @ self.lora_A))
        if base.bias is not None:
            merged.bias.copy_(base.bias)
        return merged
