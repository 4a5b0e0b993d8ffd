"""Mutant of lora_layer: the rank is on the wrong side: A is out x r and B is r x in.

The parameter count is the same, but the shapes disagree with the paper, peft and any
saved adapter, so weights cannot be exchanged.
"""

import math

import torch
from torch import nn

FAILS = ("adapter_shapes", "forward_values", "forward_matches_peft", "merged_weight")
"""Checks that must fail on this mutant (tests/test_exercise_lora_layer.py asserts it)."""


class LoRALinear(nn.Module):
    def __init__(self, base, r, alpha):
        super().__init__()
        if r < 1:
            raise ValueError(f"r must be >= 1; found {r}")
        self.base = base
        for param in base.parameters():
            param.requires_grad_(False)
        self.scaling = alpha / r
        self.lora_A = nn.Parameter(torch.empty(base.out_features, r))  # BUG: shapes swapped
        self.lora_B = nn.Parameter(torch.zeros(r, base.in_features))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

    def forward(self, x):
        return self.base(x) + self.scaling * (x @ self.lora_B.T) @ self.lora_A.T

    @torch.no_grad()
    def merge(self):
        merged = nn.Linear(self.base.in_features, self.base.out_features)
        merged.weight.copy_(self.base.weight + self.scaling * self.lora_A @ self.lora_B)
        merged.bias.copy_(self.base.bias)
        return merged
