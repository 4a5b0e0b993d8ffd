"""``ftcourse``: the course's pipelines as a command you can reuse on your own data.

    ftcourse models
    ftcourse finetune --task classify|instruct --base-model NAME --train FILE.jsonl
                      [--eval FILE.jsonl] --output DIR [--epochs N] [--lr X] [--seed S]
                      [--method lora|full] [--rank R] [--alpha A] [--resume] [--overwrite]
    ftcourse evaluate --model DIR|NAME --data FILE.jsonl --output FILE.json
    ftcourse query --model DIR|NAME [--input TEXT] [PROMPT | -]   (stdin if no PROMPT or -)
    ftcourse compare A.json B.json [--output REPORT.md]
    ftcourse serve DIR|NAME [--port N] [--host H]

Rows are JSON objects, one per line: ``{"text": str, "label": str | int}`` to classify,
``{"instruction": str, "input": str, "output": str}`` to instruction-tune (``input`` may be
``""``). An instruction is always wrapped in the Alpaca-style template of
:func:`book.pipeline.instruct.format_prompt`, the one ``finetune`` trains with, so a tuned
folder and its untuned base model (a registry name or role) are asked the same way.
Everything calls ``book.pipeline``, the same functions the chapters run cell by cell.

Bad input never ends in a traceback: a malformed JSONL line prints ``FILE:LINE: what is wrong``,
an unknown model lists the known names, an existing output folder is refused without
``--overwrite``; each exits with status 2. (A traceback means a bug in the course: report it.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

EXIT_USAGE = 2
TEMPLATE = "alpaca-headers"
"""The prompt template ``finetune`` records in a run's info (``format_prompt``'s)."""
CLASSIFY_FIELDS = {"text": (str,), "label": (str, int)}
VALIDATION_SHARE = 0.1
"""Without ``--eval``, this share of the training texts (whole duplicate groups) is held out."""


class UsageError(Exception):
    """The command cannot run as asked; the message says what to change."""


# ---- models -----------------------------------------------------------------------------------


def cmd_models(args: argparse.Namespace) -> None:
    from book import config, models

    print(f"source: {config.source()} (set FTCOURSE_SOURCE=hub to load hub models)")
    print("roles: " + ", ".join(f"{role} -> {models.for_role(role)}" for role in models.ROLES))
    header = (f"{'name':<14} {'hub id':<36} {'params':>9} {'run GB':>7} {'LoRA GB':>8} "
              f"{'full FT GB':>10}  CPU ok")
    print(header)
    print("-" * len(header))
    for row in models.registry_table():
        print(f"{row['name']:<14} {row['hub_id']:<36} {row['params_millions']:>8.2f}M "
              f"{row['inference_gb']:>7.3f} {row['lora_finetune_gb']:>8.3f} "
              f"{row['full_finetune_gb']:>10.3f}  {'yes' if row['cpu_ok'] else 'no'}")
    print(f"GB, float32, activations excluded: run = weights ({models.BYTES_INFERENCE} bytes per "
          f"parameter);\nLoRA = frozen weights + adapters of {models.LORA_SHARE:.0%} of the "
          f"parameters, each with its gradient and AdamW\nmoments ({models.BYTES_FULL_FINETUNE} "
          "bytes; Hu et al. 2021); full FT = weights, gradients and AdamW moments "
          f"({models.BYTES_FULL_FINETUNE} bytes\nper parameter). CPU ok: full fine-tuning on a "
          "laptop CPU is practical.")


# ---- finetune ---------------------------------------------------------------------------------


def _check_output(output: Path, *, overwrite: bool, resume: bool) -> None:
    """Refuse an unusable ``--output`` before anything is read or trained (changes nothing)."""
    if output.exists() and not output.is_dir():
        raise UsageError(f"--output {output} exists and is not a folder")
    if output.is_dir() and any(output.iterdir()) and not (overwrite or resume):
        raise UsageError(f"--output {output} already exists and is not empty; pass "
                         "--overwrite to replace it or --resume to continue its training")


def _clear_output(output: Path, *, overwrite: bool) -> None:
    """With ``--overwrite``, delete the old run — only once the new data has been read and
    checked, so a bad file never costs the run it was meant to replace."""
    if overwrite and output.is_dir():
        shutil.rmtree(output)


def _check_model_name(name: str) -> None:
    """Fail early, before reading data, if ``name`` is neither a folder nor a known model."""
    from book import models

    if Path(name).expanduser().is_dir() or name in models.ROLES:
        return
    try:
        models.get(name)
    except KeyError as exc:
        if models.source() == "hub" and "/" in name:
            return  # any hub id may be tried online
        raise UsageError(exc.args[0]) from None


def cmd_finetune(args: argparse.Namespace) -> None:
    _check_model_name(args.base_model)
    if args.task == "classify" and (args.method or args.rank or args.alpha):
        raise UsageError("--method, --rank and --alpha are for --task instruct; a classifier "
                         "is fine-tuned in full")
    if args.method == "full" and (args.rank or args.alpha):
        raise UsageError("--rank and --alpha are LoRA's; --method full trains every weight")
    output = Path(args.output)
    _check_output(output, overwrite=args.overwrite, resume=args.resume)
    if args.task == "instruct":
        _finetune_instruct(args, output)
    else:
        _finetune_classify(args, output)


def read_instructions(path: str) -> list[dict[str, Any]]:
    """Instruction rows, checked like classification rows (``FILE:LINE: what``); ``input``
    may be ``""``, and :func:`~book.pipeline.instruct.format_prompt` then leaves the Input
    section out, as Alpaca does."""
    from book.pipeline import instruct, jsonl

    return jsonl.read_jsonl(path, instruct.INSTRUCT_FIELDS, may_be_empty=("input",))


def _instruct_key(row: dict[str, Any]) -> dict[str, Any]:
    """The row with a ``text`` to deduplicate and split on (its instruction and input) and a
    ``label`` (its output), so that one prompt with two outputs counts as a conflict."""
    return {**row, "text": row["instruction"] + "\n" + row["input"], "label": row["output"]}


def _finetune_instruct(args: argparse.Namespace, output: Path) -> None:
    from book.config import source
    from book.pipeline import instruct, splits

    dedup = splits.deduplicate([_instruct_key(r) for r in read_instructions(args.train)])
    train = dedup.rows
    print(f"train: {len(train)} rows from {args.train} ({dedup.dropped} duplicate prompts "
          f"dropped, {dedup.conflicting} prompts with conflicting outputs)")
    if args.eval:
        validation = [_instruct_key(r) for r in read_instructions(args.eval)]
        leaked = splits.overlap(train, validation)
        if leaked:
            print(f"warning: {leaked} validation rows repeat a training prompt; early stopping "
                  "will favour memorisation", file=sys.stderr)
    else:
        train, validation = splits.group_split(train, [1 - VALIDATION_SHARE, VALIDATION_SHARE],
                                               seed=args.seed)
        print(f"validation: {len(validation)} rows held out of --train (no --eval given)")
    chosen = {k: v for k, v in (("epochs", args.epochs), ("batch_size", args.batch_size),
                                ("rank", args.rank), ("alpha", args.alpha)) if v is not None}
    recipe = instruct.InstructRecipe(method=args.method or "lora", lr=args.lr, seed=args.seed,
                                     **chosen)
    _clear_output(output, overwrite=args.overwrite)
    start = time.perf_counter()
    try:
        info = instruct.finetune(train, validation, args.base_model, output, recipe,
                                 resume=args.resume, progress=True,
                                 extra_info={"train_file": str(args.train), "source": source()})
    except ValueError as exc:  # e.g. an encoder as --base-model
        raise UsageError(str(exc)) from None
    shutil.rmtree(output / "checkpoints", ignore_errors=True)
    if info["resumed_from"]:
        print(f"resumed from {info['resumed_from']}")
    print(f"{recipe.method}: {info['trainable_parameters']:,} of {info['total_parameters']:,} "
          f"parameters trained, learning rate {recipe.learning_rate():g}, "
          f"{info['epochs_run']:g} epochs, {time.perf_counter() - start:.0f} s")
    if info["history"]:
        best = min(info["history"], key=lambda h: h["eval_loss"])
        print(f"best validation loss {best['eval_loss']:.4f} (epoch {best['epoch']:g})")
    print(f"saved to {output}" + (" (the adapter; the base model loads from --base-model)"
                                  if recipe.method == "lora" else ""))


def _finetune_classify(args: argparse.Namespace, output: Path) -> None:
    from book.pipeline import classify, jsonl, splits

    train = jsonl.read_jsonl(args.train, CLASSIFY_FIELDS)
    dedup = splits.deduplicate(train)
    train = dedup.rows
    print(f"train: {len(train)} rows from {args.train} ({dedup.dropped} duplicates dropped, "
          f"{dedup.conflicting} texts with conflicting labels)")
    if args.eval:
        validation = splits.deduplicate(jsonl.read_jsonl(args.eval, CLASSIFY_FIELDS)).rows
        leaked = splits.overlap(train, validation)
        if leaked:
            print(f"warning: {leaked} validation rows repeat a training text; early stopping "
                  "will favour memorisation", file=sys.stderr)
    else:
        train, validation = splits.group_split(train, [1 - VALIDATION_SHARE, VALIDATION_SHARE],
                                               seed=args.seed)
        print(f"validation: {len(validation)} rows held out of --train (no --eval given)")
    if len(classify.label_names(train)) < 2:
        raise UsageError(f"{args.train}: every row has the same label; a classifier needs two")
    chosen = {k: v for k, v in (("epochs", args.epochs), ("batch_size", args.batch_size))
              if v is not None}
    recipe = classify.ClassifyRecipe(lr=args.lr, seed=args.seed, **chosen)
    _clear_output(output, overwrite=args.overwrite)
    start = time.perf_counter()
    try:
        result = classify.finetune(train, validation, args.base_model, output, recipe,
                                   resume=args.resume, progress=True,
                                   extra_info={"train_file": str(args.train)})
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    classify.clean_checkpoints(output)
    seconds = time.perf_counter() - start
    if result.resumed_from:
        print(f"resumed from {result.resumed_from}")
    elif args.resume:
        print("nothing to resume in --output (no checkpoint): trained from the start")
    best = result.best_validation
    print(f"learning rate {result.lr:.2g} (range test)" if args.lr is None
          else f"learning rate {result.lr:g}")
    print(f"max_length {result.max_length} tokens ({result.truncated_share:.1%} of training "
          f"texts truncated); {result.epochs_run:g} epochs")
    print(f"best validation: macro-F1 {best['eval_macro_f1']:.3f}, accuracy "
          f"{best['eval_accuracy']:.3f} (epoch {best['epoch']:g}); {seconds:.0f} s")
    print(f"saved to {output}")


# ---- evaluate -----------------------------------------------------------------------------


def _saved_model(folder: str) -> dict[str, Any]:
    from book.pipeline.classify import RUN_FILE, run_info

    path = Path(folder)
    if not path.is_dir():
        raise UsageError(f"--model {folder}: no such folder (evaluate a folder written by "
                         "`ftcourse finetune`)")
    info = run_info(path)
    if not info:
        raise UsageError(f"--model {folder}: not a model saved by `ftcourse finetune` "
                         f"(no {RUN_FILE})")
    return info


def _task_of(model: str) -> str:
    """``classify`` or ``instruct`` for a saved folder; a registry name or role is a base LM."""

    if Path(model).is_dir():
        return _saved_model(model)["task"]
    _check_model_name(model)
    return "instruct"


def _write_report(args: argparse.Namespace, task: str, info: dict[str, Any],
                  rows: list[dict[str, Any]], metrics: dict[str, Any],
                  examples: list[dict[str, Any]]) -> None:
    """The report of ``ftcourse evaluate``: JSON at ``--output``, Markdown beside it."""
    from book.pipeline import report

    built = report.build_report(
        task=task, model=args.model, base_model=info.get("base_model"), data_path=args.data,
        rows=rows, seed=info.get("recipe", {}).get("seed"), metrics=metrics, examples=examples)
    json_path, md_path = report.write(built, args.output)
    print(f"wrote {json_path} and {md_path}")


def _load_instruct(model: str):
    """``instruct.load``'s ``(model, tokenizer, info)``, after the checks that keep a traceback
    (or a silently different base model) away."""
    from book import config, models
    from book.pipeline import instruct

    if Path(model).is_dir():
        info = _saved_model(model)
        if info.get("template", TEMPLATE) != TEMPLATE:
            raise UsageError(f"--model {model}: tuned with the template {info['template']!r}; "
                             f"ftcourse writes prompts only in {TEMPLATE!r}")
        base, trained_on = info.get("base_model", ""), info.get("source")
        if ((Path(model) / "adapter_config.json").is_file() and trained_on
                and trained_on != config.source() and base != models.KIT_LM
                and not Path(base).expanduser().is_dir()):
            raise UsageError(f"--model {model}: a LoRA adapter for {base} as it loads with "
                             f"FTCOURSE_SOURCE={trained_on}; under {config.source()} that name "
                             f"is another model. Set FTCOURSE_SOURCE={trained_on}")
    try:
        return instruct.load(model)
    except ValueError as exc:  # e.g. an encoder's name
        raise UsageError(str(exc)) from None


def _evaluate_instruct(args: argparse.Namespace) -> None:
    from book.pipeline import instruct

    rows = read_instructions(args.data)
    model, tokenizer, info = _load_instruct(args.model)
    prompts = [instruct.format_prompt(r["instruction"], r["input"]) for r in rows]
    generated = instruct.generate(model, tokenizer, prompts, max_new_tokens=args.max_new_tokens)
    metrics, examples = instruct.score_responses(rows, generated)
    print(f"exact match {metrics['exact_match']:.4f}  success rate {metrics['success_rate']:.4f}"
          f"  ({metrics['n']} rows, {metrics['mean_new_tokens']:.1f} new tokens and "
          f"{metrics['mean_latency_s'] * 1000:.1f} ms per answer)")
    _write_report(args, "instruct", info, rows, metrics, examples)


def cmd_evaluate(args: argparse.Namespace) -> None:
    if _task_of(args.model) == "instruct":
        _evaluate_instruct(args)
    else:
        _evaluate_classify(args)


def _evaluate_classify(args: argparse.Namespace) -> None:
    import numpy as np
    from tqdm.auto import tqdm

    from book.pipeline import classify, jsonl
    from book.pipeline.jsonl import InputError
    from book.pipeline.metrics import classification_report

    info = _saved_model(args.model)
    rows = jsonl.read_jsonl(args.data, CLASSIFY_FIELDS)
    model, tokenizer, max_length = classify.load(args.model)
    names = [model.config.id2label[i] for i in range(model.config.num_labels)]
    unknown = sorted({str(r["label"]) for r in rows} - set(names))
    if unknown:
        raise InputError(f"{args.data}: labels {unknown} are not among the model's labels "
                         f"{names}")
    texts = [r["text"] for r in rows]
    chunk = 256
    probs = [classify.predict_proba(model, tokenizer, texts[i:i + chunk], max_length)
             for i in tqdm(range(0, len(texts), chunk), desc="evaluating", unit="batch")]
    probs = np.concatenate(probs)
    labels = [names.index(str(r["label"])) for r in rows]
    metrics = classification_report(labels, probs, names)
    examples = [{"text": text, "label": label, "predicted": int(p.argmax()), "probs": p.tolist()}
                for text, label, p in zip(texts, labels, probs, strict=True)]
    print(f"accuracy {metrics['accuracy']:.4f}  macro-F1 {metrics['macro_f1']:.4f}  "
          f"ROC AUC {metrics['roc_auc']:.4f}  ({metrics['n']} rows)")
    _write_report(args, "classify", info, rows, metrics, examples)


# ---- compare ------------------------------------------------------------------------------


def _read_report(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not a JSON report ({exc})") from None
    missing = [k for k in ("task", "model", "data", "examples", "metrics")
               if not isinstance(data, dict) or k not in data]
    if missing:
        raise UsageError(f"{path}: not a report written by `ftcourse evaluate` (missing "
                         f"{', '.join(missing)})")
    return data


def cmd_compare(args: argparse.Namespace) -> None:
    from book.pipeline import compare

    a, b = _read_report(args.a), _read_report(args.b)
    try:
        rows = compare.compare(a, b)
    except compare.CompareError as exc:
        raise UsageError(str(exc)) from None
    text = compare.markdown(a, b, rows, names=(args.a, args.b))
    print(text, end="")
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text)
        print(f"wrote {args.output}")


# ---- query and serve -----------------------------------------------------------------------


def _predictor(model: str, max_new_tokens: int = 32):
    """``(text -> answer, info)`` for a saved folder or a base model name."""
    from book.pipeline import classify, instruct

    if _task_of(model) == "classify":
        info = _saved_model(model)
        loaded, tokenizer, max_length = classify.load(model)
        return classify.predictor(loaded, tokenizer, max_length), info
    loaded, tokenizer, info = _load_instruct(model)

    def respond(text: str, input: str = "") -> dict[str, Any]:
        prompt = instruct.format_prompt(text, input)
        out = instruct.generate(loaded, tokenizer, [prompt], max_new_tokens=max_new_tokens)[0]
        return {"response": out["response"]}

    return respond, info


def cmd_query(args: argparse.Namespace) -> None:
    prompt = sys.stdin.read() if args.prompt in (None, "-") else args.prompt
    if not prompt.strip():
        raise UsageError("no prompt: give it as an argument or on stdin")
    respond, info = _predictor(args.model, args.max_new_tokens)
    if args.input and info["task"] != "instruct":
        raise UsageError("--input goes with an instruction-tuned model; a classifier reads "
                         "only the text")
    answer = respond(prompt.strip(), args.input) if args.input else respond(prompt.strip())
    print(answer["response"] if "response" in answer
          else f"{answer['label']}\t{answer['score']:.4f}")


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from book.pipeline import serve

    respond, info = _predictor(args.model, args.max_new_tokens)
    app = serve.create_app(respond, {"model": Path(args.model).name, "task": info["task"],
                                     **({"labels": info["labels"]} if "labels" in info else {})})
    print(f"serving {args.model} on http://{args.host}:{args.port} (POST /predict, GET /)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


# ---- the command --------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    from book.pipeline.classify import ClassifyRecipe
    from book.pipeline.instruct import InstructRecipe

    parser = argparse.ArgumentParser(
        prog="ftcourse", description="Fine-tune, evaluate, compare and serve models on your own "
        "JSONL data (the pipelines of the course 'Fine-tuning language models, hands-on').")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("models", help="list the model registry and the roles")

    ft = commands.add_parser("finetune", help="fine-tune a model on a JSONL file")
    ft.add_argument("--task", choices=["classify", "instruct"], required=True,
                    help="classify: rows {\"text\": str, \"label\": str|int}; instruct: rows "
                    "{\"instruction\": str, \"input\": str, \"output\": str}")
    ft.add_argument("--base-model", required=True,
                    help="a role (classifier-base), a registry name (see `ftcourse models`), a "
                    "hub id (with FTCOURSE_SOURCE=hub) or a local model folder")
    ft.add_argument("--train", required=True, help="training rows (JSONL)")
    ft.add_argument("--eval", help="validation rows for early stopping (JSONL); default: "
                    f"{VALIDATION_SHARE:.0%} of --train")
    ft.add_argument("--output", required=True, help="folder for the fine-tuned model")
    recipe = ClassifyRecipe()
    tuning = InstructRecipe()
    ft.add_argument("--epochs", type=int, default=None, help="at most this many epochs (early "
                    f"stopping usually ends sooner); default {recipe.epochs} (classify), "
                    f"{tuning.epochs} (instruct)")
    ft.add_argument("--lr", type=float, default=None, help="learning rate; default: found by an "
                    "LR range test (classify), "
                    f"{InstructRecipe(method='lora').learning_rate():g} (instruct, LoRA), "
                    f"{InstructRecipe(method='full').learning_rate():g} (instruct, full)")
    ft.add_argument("--batch-size", type=int, default=None, help="examples per step; default "
                    f"{recipe.batch_size} (classify), {tuning.batch_size} (instruct)")
    ft.add_argument("--method", choices=["lora", "full"], default=None,
                    help="instruct only: a LoRA adapter (default; the output folder holds the "
                    "adapter, and the base model loads under it) or full fine-tuning")
    ft.add_argument("--rank", type=int, default=None,
                    help=f"instruct, LoRA: the rank r (default {tuning.rank})")
    ft.add_argument("--alpha", type=int, default=None,
                    help=f"instruct, LoRA: alpha (default {tuning.alpha})")
    ft.add_argument("--seed", type=int, default=0)
    ft.add_argument("--resume", action="store_true", help="continue an interrupted run in "
                    "--output from its last checkpoint")
    ft.add_argument("--overwrite", action="store_true", help="replace an existing --output")

    ev = commands.add_parser("evaluate", help="score a model on labeled JSONL; write a JSON "
                             "report and a Markdown summary beside it")
    ev.add_argument("--model", required=True, help="a folder written by `ftcourse finetune`, "
                    "or a base model's registry name or role (course-lm, kit-lm, gpt2...): "
                    "instruction data in the same Alpaca-style prompts, untuned")
    ev.add_argument("--data", required=True, help="labeled rows (JSONL)")
    ev.add_argument("--output", required=True, help="the report's path (.json)")
    ev.add_argument("--max-new-tokens", type=int, default=32,
                    help="instruct: the longest answer generated (default 32)")

    qr = commands.add_parser("query", help="answer one prompt (an instruction is wrapped in "
                             "the template the model was tuned with)",
                             description="Print a model's answer to one prompt. An instruction "
                             "is wrapped in the template `ftcourse finetune` trains with "
                             "(### Instruction / ### Input / ### Response, after Alpaca); a "
                             "base model's registry name or role gets the same template, so "
                             "the untuned model is asked the same way. A classifier's folder "
                             "prints the label and its probability.")
    qr.add_argument("--model", required=True, help="a folder written by `ftcourse finetune`, "
                    "or a base model's registry name or role (same Alpaca template)")
    qr.add_argument("prompt", nargs="?", default=None,
                    help="the instruction (or text to classify); omitted or -: read from stdin")
    qr.add_argument("--input", default="", help="instruct: the row's input (e.g. the review "
                    "the instruction is about); default none")
    qr.add_argument("--max-new-tokens", type=int, default=32)

    cmp = commands.add_parser("compare", help="compare two reports of `ftcourse evaluate`")
    cmp.add_argument("a", metavar="A.json")
    cmp.add_argument("b", metavar="B.json")
    cmp.add_argument("--output", help="also write the comparison to this Markdown file")

    sv = commands.add_parser("serve", help="serve a fine-tuned model over HTTP (FastAPI)")
    sv.add_argument("model", metavar="DIR", help="a folder written by `ftcourse finetune` (a "
                    "LoRA folder loads its base model under the adapter), or a base model's "
                    "name")
    sv.add_argument("--max-new-tokens", type=int, default=32, help="instruct: the longest answer")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--host", default="127.0.0.1")
    return parser


COMMANDS = {"models": cmd_models, "finetune": cmd_finetune, "evaluate": cmd_evaluate,
            "query": cmd_query, "compare": cmd_compare, "serve": cmd_serve}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from book.pipeline.jsonl import InputError

    try:
        COMMANDS[args.command](args)
    except (InputError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted" + ("; rerun with --resume to continue from the last checkpoint"
                               if args.command == "finetune" else ""), file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ftcourse models | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
