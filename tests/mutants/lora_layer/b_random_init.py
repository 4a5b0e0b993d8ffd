"""Mutant of lora_layer: B initialised like A (random) instead of zeros.

Then B A != 0 from the start: the wrapped model no longer computes what the pre-trained
model did, and fine-tuning starts from a randomly perturbed network.
"""

import math

import torch
from torch import nn

FAILS = ("init_a_kaiming_b_zero", "unchanged_at_init", "hidden_init_wide")
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
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        nn.init.kaiming_uniform_(self.lora_B, a=math.sqrt(5))  # BUG

    def forward(self, x):
        return self.base(x) + self.scaling * (x @ self.lora_A.T) @ self.lora_B.T

    @torch.no_grad()
    def merge(self):
        merged = nn.Linear(self.base.in_features, self.base.out_features)
        merged.weight.copy_(self.base.weight + self.scaling * self.lora_B @ self.lora_A)
        merged.bias.copy_(self.base.bias)
        return merged
