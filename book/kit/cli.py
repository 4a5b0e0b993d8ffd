"""Command line for the offline kit: ``python -m book.kit {build,verify,info,path}``.

Every failure a user can meet (missing or corrupt kit, unwritable cache folder, missing
package, bad setting) ends in one clear line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def _summary(manifest: dict[str, Any], root: str) -> str:
    corpus, tok, pre = manifest["corpus"], manifest["tokenizer"], manifest["pretraining"]
    size, seconds = manifest["model"]["config"], manifest["seconds"]
    versions = ", ".join(f"{k} {v}" for k, v in manifest["versions"].items())
    return "\n".join(
        [
            f"kit:          {root}",
            f"preset:       {manifest['preset']['name']} (built {manifest['built_at']})",
            f"corpus:       {corpus['chars']:,} chars ({corpus['review_chars']:,} from reviews; "
            f"{corpus['reviews']}), sha256 {corpus['sha256'][:16]}…",
            f"tokenizer:    byte-level BPE, {tok['vocab_size']} tokens, "
            f"{tok['chars_per_token']:.2f} chars/token",
            f"model:        GPT-2, {size['n_layer']} layers x {size['n_embd']} wide, "
            f"{size['n_head']} heads, {size['n_positions']} positions, "
            f"{manifest['model']['params']:,} parameters",
            f"pre-training: {pre['tokens_seen']:,} tokens ({pre['epochs']} epochs); "
            f"validation loss {pre['initial_val_loss']:.3f} -> {pre['final_val_loss']:.3f} "
            f"(perplexity {pre['initial_perplexity']:.0f} -> {pre['final_perplexity']:.1f}; "
            f"bits/char {pre['initial_bits_per_char']:.2f} -> {pre['final_bits_per_char']:.2f})",
            f"datasets:     {manifest['datasets']['note']}",
            "seconds:      " + ", ".join(f"{k} {v}" for k, v in seconds.items()),
            f"versions:     {versions}",
        ]
    )


def _parser() -> argparse.ArgumentParser:
    from book.kit.presets import PRESET_ENV, PRESETS

    parser = argparse.ArgumentParser(
        prog="python -m book.kit",
        description="Build, check and locate the offline kit (tokenizer + pre-trained LM + "
        "datasets) in $FTCOURSE_CACHE/kit.",
    )
    parser.add_argument(
        "--preset", choices=sorted(PRESETS), default=None,
        help=f"which kit (default: ${PRESET_ENV} or 'full'; 'tiny' is for tests)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the kit, or verify it if already built")
    build.add_argument("--force", action="store_true", help="rebuild even if the kit is valid")
    build.add_argument(
        "--quiet", action="store_true", help="no stage lines or progress bar from the kit itself"
    )
    commands.add_parser("verify", help="exit 1 with the reason if the kit is missing or corrupt")
    commands.add_parser("info", help="print a summary of the kit's manifest")
    where = commands.add_parser("path", help="print the kit folder (without building it)")
    where.add_argument("part", nargs="?", choices=("root", "lm", "datasets", "manifest"),
                       default="root")
    return parser


def _run(args: argparse.Namespace) -> int:
    from book import kit

    if args.command == "path":
        print(getattr(kit.paths(args.preset), args.part))
        return 0
    if args.command == "build":
        paths = kit.ensure(args.preset, progress=not args.quiet, force=args.force)
        print(_summary(kit.read_manifest(args.preset), str(paths.root)))
        return 0
    if args.command == "verify":
        paths = kit.verify(args.preset)
        print(f"ok: {paths.root} matches its manifest")
        return 0
    print(_summary(kit.read_manifest(args.preset), str(kit.paths(args.preset).root)))
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        return _run(args)
    except ModuleNotFoundError as exc:
        print(f"error: the package {exc.name!r} is not installed; install the course "
              "environment with `make` or `pip install -e .`", file=sys.stderr)
    except (RuntimeError, ValueError) as exc:  # KitError and ConfigError say what to do
        print(f"error: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted; nothing was swapped in (the previous kit, if any, is intact)",
              file=sys.stderr)
    except BrokenPipeError:  # `python -m book.kit info | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    return 1
