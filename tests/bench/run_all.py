"""Print the course's performance figures (a script, not a timed test): ``make bench``.

Figures:
  kit build seconds       a fresh ``python -m book.kit build`` into a temporary cache
  site build seconds      ``jupyter-book build`` with every notebook executed (empty cache)
  cached rebuild seconds  the same build again (``cache`` mode: nothing re-executes)
  training tokens/s       causal-LM training steps of the kit model (forward + backward + AdamW)
  share of matmul peak    those tokens/s x 6 x parameters, as a fraction of the FLOP rate a
                          plain fp32 ``torch.matmul`` reaches on this machine in this run

The 6 x parameters FLOPs per token estimate (forward 2N, backward 4N) is Kaplan et al. 2020's;
it ignores attention's sequence-length term, small at 128 positions and width 64.
Use ``--skip-site`` / ``--skip-kit`` for a quick run; the grading benchmark is separate
(``tests/bench/bench_grading.py``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    """Run a command from the repo root, fail loudly, return wall seconds."""
    start = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, check=True, env={**os.environ, **(env or {})},
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def kit_build_seconds() -> float:
    with tempfile.TemporaryDirectory() as cache:
        return timed([sys.executable, "-m", "book.kit", "build", "--quiet"],
                     env={"FTCOURSE_CACHE": cache})


def site_build_seconds() -> tuple[float, float]:
    """Two builds of a copy of the book (so _build/ stays untouched), in the authors' ``cache``
    mode: the first finds an empty notebook cache and executes every page, as CI's ``force``
    build does; the second is the cached rebuild, where nothing re-executes. (A ``force`` build
    does not fill the cache, so timing one and then a ``cache`` build would execute twice.)"""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "book"
        ignore = shutil.ignore_patterns(".git", ".venv", ".cache", "_build", "__pycache__")
        shutil.copytree(REPO, work, ignore=ignore)
        vendor = REPO / "_build" / "_vendor"
        if vendor.exists():
            shutil.copytree(vendor, work / "_build" / "_vendor")
        env = {**os.environ, "FTCOURSE_CACHE": str(REPO / ".cache"), "TQDM_DISABLE": "1"}
        jb = [str(BIN / "jupyter-book"), "build", str(work), "-W", "-n", "--keep-going"]
        seconds = []
        for _ in range(2):
            start = time.perf_counter()
            subprocess.run(jb, check=True, env=env, stdout=subprocess.DEVNULL)
            seconds.append(time.perf_counter() - start)
        return seconds[0], seconds[1]


def matmul_flops(threads: int, size: int = 1024, repeats: int = 20) -> float:
    torch.set_num_threads(threads)
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.matmul(a, b)  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        torch.matmul(a, b)
    return 2 * size**3 * repeats / (time.perf_counter() - start)


def training_tokens_per_second(threads: int, steps: int = 30, batch: int = 16) -> tuple[float, int]:
    from book.models import load_causal_lm

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model, _ = load_causal_lm("kit-lm")
    model.train()
    seq = model.config.n_positions
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    ids = torch.randint(0, model.config.vocab_size, (batch, seq))
    for step in range(steps + 3):  # 3 warm-up steps
        if step == 3:
            start = time.perf_counter()
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    params = sum(p.numel() for p in model.parameters())
    return steps * batch * seq / (time.perf_counter() - start), params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-kit", action="store_true")
    parser.add_argument("--skip-site", action="store_true")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, torch {torch.__version__}, {args.threads} threads")
    if not args.skip_kit:
        print(f"kit build (fresh):        {kit_build_seconds():8.1f} s")
    if not args.skip_site:
        executed, cached = site_build_seconds()
        print(f"site build (all executed): {executed:8.1f} s")
        print(f"site rebuild (cached):    {cached:8.1f} s")
    flops = matmul_flops(args.threads)
    tokens, params = training_tokens_per_second(args.threads)
    achieved = 6 * params * tokens
    print(f"matmul fp32 1024^2:       {flops / 1e9:8.1f} GFLOP/s")
    print(f"kit LM training:          {tokens:8.0f} tokens/s ({params:,} parameters)")
    print(f"  = {achieved / 1e9:.2f} GFLOP/s, {achieved / flops:.1%} of the matmul rate")


if __name__ == "__main__":
    main()
