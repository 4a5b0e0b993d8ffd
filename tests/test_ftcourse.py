"""``ftcourse`` end to end on the tiny kit: every subcommand, the server over real HTTP, and
every kind of bad input the issue lists (exit 2 with a message, never a traceback).

The tiny kit's model learns little in two epochs; these tests prove the pipeline's plumbing
(files written, fields present, errors handled), not its quality, which Chapter 6 measures.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from book import kit
from book.data import make_reviews
from book.pipeline import cli, serve
from book.pipeline.jsonl import write_jsonl

pytestmark = pytest.mark.slow
NAMES = ("negative", "positive")


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    """Offline source and the tiny kit in a temporary cache, for this process and children."""
    settings = {"FTCOURSE_CACHE": str(tmp_path_factory.mktemp("cache")),
                "FTCOURSE_KIT_PRESET": "tiny", "FTCOURSE_SOURCE": "offline",
                "HF_HUB_OFFLINE": "1", "TQDM_DISABLE": "1"}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in settings.items():
            mp.setenv(key, value)
        kit.ensure(progress=False)
        yield {**os.environ, **settings}


def rows(n: int, seed: int) -> list[dict]:
    data = make_reviews(n, domain="restaurant", seed=seed)
    return [{"text": t, "label": NAMES[y]} for t, y in zip(data["text"], data["label"],
                                                             strict=True)]


@pytest.fixture(scope="module")
def files(tmp_path_factory, env) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("data")
    return {name: write_jsonl(folder / f"{name}.jsonl", rows(n, seed))
            for name, n, seed in (("train", 80, 1), ("eval", 30, 2), ("test", 40, 3))}


def run_child(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the command in a child process, exactly as a user would."""
    return subprocess.run([sys.executable, "-m", "book.pipeline.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture
def ftcourse(env, capsys):
    """Run the command in this process (the same ``main``; no second torch import per call)."""

    def run(*args: str, env: dict[str, str] = env) -> subprocess.CompletedProcess:
        capsys.readouterr()
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as exc:  # argparse's own usage errors
            code = exc.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out, err)

    return run


@pytest.fixture(scope="module")
def trained(tmp_path_factory, files, env) -> Path:
    out = tmp_path_factory.mktemp("runs") / "model"
    done = run_child("finetune", "--task", "classify", "--base-model", "classifier-base",
                    "--train", files["train"], "--eval", files["eval"], "--output", out,
                    "--epochs", "2", env=env)
    assert done.returncode == 0, done.stderr
    assert "learning rate" in done.stdout and "saved to" in done.stdout
    return out


def test_finetune_saves_a_model_folder_with_its_run_info(trained):
    info = json.loads((trained / "ftcourse.json").read_text())
    assert info["task"] == "classify" and info["labels"] == list(NAMES)
    assert info["base_model"] == "classifier-base" and info["lr"] > 0
    assert (trained / "model.safetensors").is_file() and (trained / "tokenizer.json").is_file()
    assert not (trained / "checkpoints").exists()  # cleaned once the best model is saved


def test_evaluate_writes_json_and_markdown(trained, files, env, tmp_path, ftcourse):
    report_path = tmp_path / "test.json"
    done = ftcourse("evaluate", "--model", trained, "--data", files["test"],
                    "--output", report_path, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(report_path.read_text())
    metrics = report["metrics"]
    assert {"accuracy", "macro_f1", "roc_auc", "per_class", "confusion"} <= set(metrics)
    assert set(metrics["per_class"]) == set(NAMES)
    assert {"precision", "recall"} <= set(metrics["per_class"]["positive"])
    assert sum(map(sum, metrics["confusion"])) == 40 == len(report["examples"])
    assert report["data"]["sha256"] and report["versions"]["torch"] and report["seed"] == 0
    markdown = report_path.with_suffix(".md").read_text()
    assert "macro_f1" in markdown and "Confusion matrix" in markdown


def test_compare_names_no_winner_inside_the_noise(trained, files, tmp_path, ftcourse):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for path in (a, b):
        assert ftcourse("evaluate", "--model", trained, "--data", files["test"],
                        "--output", path, env=env).returncode == 0
    done = ftcourse("compare", a, b, "--output", tmp_path / "cmp.md", env=env)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "cmp.md").read_text()
    assert "paired" in text and text.count("no clear winner") == 3  # identical models


def test_compare_names_a_winner_when_the_interval_excludes_zero(trained, files, tmp_path,
                                                              ftcourse):
    a = tmp_path / "a.json"
    assert ftcourse("evaluate", "--model", trained, "--data", files["test"], "--output", a,
                    env=env).returncode == 0
    report = json.loads(a.read_text())
    for example in report["examples"]:  # B: a perfect, confident model on the same rows
        example["probs"] = [0.0, 1.0] if example["label"] == 1 else [1.0, 0.0]
    b = tmp_path / "b.json"
    b.write_text(json.dumps(report))
    done = ftcourse("compare", a, b, env=env)
    assert done.returncode == 0, done.stderr
    accuracy_row = next(line for line in done.stdout.splitlines() if line.startswith("| accuracy"))
    assert accuracy_row.rstrip().endswith("| B |")


def test_models_lists_the_registry_and_roles(env, ftcourse):
    done = ftcourse("models", env=env)
    assert done.returncode == 0
    assert "classifier-base -> kit-lm" in done.stdout and "openai-community/gpt2" in done.stdout


def test_resume_continues_from_the_last_checkpoint(files, env, tmp_path, monkeypatch):
    """An interrupted run (stopped after its first epoch's checkpoint) resumes from it."""
    from transformers import TrainerCallback

    from book.pipeline import classify

    class StopAfterFirstSave(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            raise KeyboardInterrupt

    original = classify.build_trainer

    def interrupted(*args, **kwargs):
        trainer = original(*args, **kwargs)
        trainer.add_callback(StopAfterFirstSave)
        return trainer

    out = tmp_path / "run"
    argv = ["finetune", "--task", "classify", "--base-model", "classifier-base", "--train",
            str(files["train"]), "--eval", str(files["eval"]), "--output", str(out),
            "--epochs", "3", "--lr", "1e-3"]
    monkeypatch.setattr(classify, "build_trainer", interrupted)
    assert cli.main(argv) == 130  # interrupted, with the hint to resume
    assert list((out / "checkpoints").glob("checkpoint-*"))
    assert cli.main(argv) == 2  # the folder is not empty: refused without --resume
    monkeypatch.setattr(classify, "build_trainer", original)
    assert cli.main([*argv, "--resume"]) == 0
    info = json.loads((out / "ftcourse.json").read_text())
    assert info["resumed_from"].startswith("checkpoint-") and info["epochs_run"] == 3


# ---- bad input -----------------------------------------------------------------------------


BAD_LINES = {
    "not_json": ('{"text": "fine", "label": "positive"', "not valid JSON"),
    "missing_label": ('{"text": "fine"}', "missing field 'label'"),
    "label_is_a_list": ('{"text": "fine", "label": ["positive"]}', "field 'label' must be"),
    "text_is_a_number": ('{"text": 3, "label": "positive"}', "field 'text' must be a string"),
    "empty_text": ('{"text": "  ", "label": "positive"}', "field 'text' is empty"),
    "not_an_object": ('["fine", "positive"]', "expected a JSON object"),
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_a_malformed_line_exits_2_with_file_and_line(case, files, env, tmp_path, ftcourse):
    line, expected = BAD_LINES[case]
    good = files["train"].read_text().splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([*good[:4], line, *good[4:10]]) + "\n")
    for args in (["finetune", "--task", "classify", "--base-model", "classifier-base",
                  "--train", bad, "--output", tmp_path / "out"],
                 ["evaluate", "--model", tmp_path, "--data", bad, "--output", tmp_path / "r.json"]):
        done = ftcourse(*args, env=env)
        if args[0] == "evaluate":  # a folder that is not a model is refused first
            assert done.returncode == 2 and "not a model saved by" in done.stderr
            continue
        assert done.returncode == 2, done.stdout
        assert f"{bad}:5: " in done.stderr and expected in done.stderr
        assert "Traceback" not in done.stderr


def test_a_malformed_line_in_a_real_process_prints_no_traceback(files, env, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(files["train"].read_text() + '{"text": "ok", "label": }\n')
    done = run_child("finetune", "--task", "classify", "--base-model", "classifier-base",
                     "--train", bad, "--output", tmp_path / "out", env=env)
    lines = len(files["train"].read_text().splitlines())
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {bad}:{lines + 1}: not valid JSON")


def test_evaluate_reports_a_malformed_line_too(trained, env, tmp_path, ftcourse):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok", "label": "positive"}\n{"text": "ok" "label": 1}\n')
    done = ftcourse("evaluate", "--model", trained, "--data", bad, "--output",
                    tmp_path / "r.json", env=env)
    assert done.returncode == 2 and f"{bad}:2: not valid JSON" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_labels_in_evaluation_data_are_named(trained, env, tmp_path, ftcourse):
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": "ok", "label": "neutral"}])
    done = ftcourse("evaluate", "--model", trained, "--data", data, "--output",
                    tmp_path / "r.json", env=env)
    assert done.returncode == 2 and "['neutral']" in done.stderr


def test_unknown_model_lists_the_known_names(files, env, tmp_path, ftcourse):
    done = ftcourse("finetune", "--task", "classify", "--base-model", "gpt-7", "--train",
                    files["train"], "--output", tmp_path / "out", env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "unknown model 'gpt-7'" in done.stderr
    assert "classifier-base" in done.stderr and "smollm2-135m" in done.stderr


def test_existing_output_is_refused_without_overwrite(trained, files, env, ftcourse):
    done = ftcourse("finetune", "--task", "classify", "--base-model", "classifier-base",
                    "--train", files["train"], "--output", trained, env=env)
    assert done.returncode == 2 and "--overwrite" in done.stderr
    assert (trained / "model.safetensors").is_file()  # untouched


def test_overwrite_replaces_the_output(files, env, tmp_path, ftcourse):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    done = ftcourse("finetune", "--task", "classify", "--base-model", "classifier-base",
                    "--train", files["train"], "--output", out, "--epochs", "1", "--lr", "1e-3",
                    "--overwrite", env=env)
    assert done.returncode == 0, done.stderr
    assert not (out / "stale.txt").exists() and (out / "ftcourse.json").is_file()


def test_overwrite_with_bad_data_keeps_the_old_run(env, tmp_path, ftcourse):
    out = tmp_path / "out"
    out.mkdir()
    (out / "ftcourse.json").write_text("{}")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine", "label": "positive"}\n{"text": "cut sh\n')
    done = ftcourse("finetune", "--task", "classify", "--base-model", "classifier-base",
                    "--train", bad, "--output", out, "--overwrite", env=env)
    assert done.returncode == 2 and f"{bad}:2:" in done.stderr
    assert (out / "ftcourse.json").is_file()  # the run it was to replace is still there


def test_missing_file_and_bad_report_are_named(env, tmp_path, ftcourse):
    done = ftcourse("finetune", "--task", "classify", "--base-model", "classifier-base",
                    "--train", tmp_path / "nope.jsonl", "--output", tmp_path / "o", env=env)
    assert done.returncode == 2 and "nope.jsonl: no such file" in done.stderr
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2]")
    done = ftcourse("compare", junk, junk, env=env)
    assert done.returncode == 2 and "not a report written by" in done.stderr


# ---- the HTTP service ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(trained):
    from book.pipeline import classify

    model, tokenizer, max_length = classify.load(trained)
    return serve.create_app(classify.predictor(model, tokenizer, max_length),
                            {"model": "test", "task": "classify", "labels": list(NAMES)})


BAD_REQUESTS = {
    "not_json": (b"text=hello", 400, "must be JSON"),
    "not_an_object": (b'["hello"]', 422, "JSON object"),
    "missing_text": (b'{"txt": "hello"}', 422, "missing field 'text'"),
    "text_not_a_string": (b'{"text": 42}', 422, "must be a string"),
    "empty_text": (b'{"text": "   "}', 422, "is empty"),
    "too_long": (json.dumps({"text": "a" * (serve.MAX_TEXT_CHARS + 1)}).encode(), 413, "limit"),
    "invalid_utf8": (b'{"text": "\xff\xfe"}', 400, "must be JSON"),
}


def test_service_answers_predictions_and_bad_requests_over_http(app):
    with serve.running(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        health = client.get("/")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        for body, status, message in BAD_REQUESTS.values():
            answer = client.post("/predict", content=body,
                                 headers={"content-type": "application/json"})
            assert answer.status_code == status, (body[:40], answer.text)
            assert message in answer.json()["detail"]
        answer = client.post("/predict", json={"text": "The pasta was not bland."})
        assert answer.status_code == 200  # still serving after every bad request
        assert answer.json()["label"] in NAMES and 0.5 <= answer.json()["score"] <= 1.0
        assert client.get("/missing").status_code == 404


def test_serve_command_runs_uvicorn(trained, env):
    port = serve.free_port()
    child = subprocess.Popen([sys.executable, "-m", "book.pipeline.cli", "serve", str(trained),
                              "--port", str(port)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}/predict",
                                    json={"text": "The soup is great."}, timeout=5)
                break
            except httpx.TransportError:
                assert child.poll() is None, child.stdout.read()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        assert answer.status_code == 200 and answer.json()["label"] in NAMES
    finally:
        child.send_signal(signal.SIGINT)
        child.wait(timeout=30)


# ---- instruction tuning --------------------------------------------------------------------


def instruction_rows(n: int, seed: int) -> list[dict]:
    data = make_reviews(n, domain="software", seed=seed)
    return [{"instruction": "Is this review positive or negative?", "input": t,
             "output": NAMES[y]} for t, y in zip(data["text"], data["label"], strict=True)]


@pytest.fixture(scope="module")
def instruct_files(tmp_path_factory, env) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("instruct")
    return {name: write_jsonl(folder / f"{name}.jsonl", instruction_rows(n, seed))
            for name, n, seed in (("train", 40, 1), ("eval", 10, 2), ("test", 12, 3))}


@pytest.fixture(scope="module")
def adapter(tmp_path_factory, instruct_files, env) -> Path:
    out = tmp_path_factory.mktemp("runs") / "adapter"
    done = run_child("finetune", "--task", "instruct", "--base-model", "course-lm",
                     "--train", instruct_files["train"], "--eval", instruct_files["eval"],
                     "--output", out, "--epochs", "1", env=env)
    assert done.returncode == 0, done.stderr
    assert "lora:" in done.stdout and "the adapter" in done.stdout
    assert "best validation loss" in done.stdout
    return out


@pytest.fixture(scope="module")
def full_model(tmp_path_factory, instruct_files, env) -> Path:
    out = tmp_path_factory.mktemp("runs") / "full"
    assert cli.main(["finetune", "--task", "instruct", "--method", "full", "--base-model",
                     "course-lm", "--train", str(instruct_files["train"]), "--output", str(out),
                     "--epochs", "1"]) == 0
    return out


def test_instruct_lora_saves_an_adapter_and_its_run_info(adapter):
    info = json.loads((adapter / "ftcourse.json").read_text())
    assert info["task"] == "instruct" and info["method"] == "lora"
    assert info["base_model"] == "course-lm" and info["template"] == "alpaca-headers"
    assert info["source"] == "offline" and info["recipe"]["rank"] == 8
    assert 0 < info["trainable_parameters"] < info["total_parameters"]
    assert (adapter / "adapter_config.json").is_file()
    assert not (adapter / "model.safetensors").exists()  # the adapter only
    assert not (adapter / "checkpoints").exists()


def test_instruct_full_fine_tuning_saves_the_whole_model(full_model):
    info = json.loads((full_model / "ftcourse.json").read_text())
    assert info["method"] == "full" and info["trainable_parameters"] == info["total_parameters"]
    assert (full_model / "model.safetensors").is_file()
    assert not (full_model / "adapter_config.json").exists()


def evaluate(ftcourse, model, data, path) -> dict:
    done = ftcourse("evaluate", "--model", model, "--data", data, "--output", path,
                    "--max-new-tokens", "4")
    assert done.returncode == 0, done.stderr
    assert "exact match" in done.stdout
    return json.loads(Path(path).read_text())


@pytest.mark.parametrize("model", ["adapter", "full_model", "course-lm", "kit-lm"])
def test_instruct_evaluate_a_run_folder_a_role_and_a_registry_name(model, instruct_files,
                                                                  tmp_path, ftcourse, request):
    target = request.getfixturevalue(model) if model in ("adapter", "full_model") else model
    report = evaluate(ftcourse, target, instruct_files["test"], tmp_path / "r.json")
    metrics = report["metrics"]
    assert {"exact_match", "success_rate", "mean_latency_s", "mean_new_tokens"} <= set(metrics)
    assert 0 <= metrics["exact_match"] <= metrics["success_rate"] <= 1
    assert metrics["mean_latency_s"] > 0 and 0 <= metrics["mean_new_tokens"] <= 4
    assert report["task"] == "instruct" and len(report["examples"]) == metrics["n"] == 12
    assert report["base_model"] == "course-lm" if model in ("adapter", "full_model") else model
    markdown = (tmp_path / "r.md").read_text()
    assert "| exact_match |" in markdown and "| mean_latency_s |" in markdown


def test_instruct_compare_is_paired_and_names_a_winner_only_outside_the_noise(
        adapter, instruct_files, tmp_path, ftcourse):
    base = evaluate(ftcourse, "course-lm", instruct_files["test"], tmp_path / "base.json")
    evaluate(ftcourse, "kit-lm", instruct_files["test"], tmp_path / "kit.json")
    evaluate(ftcourse, adapter, instruct_files["test"], tmp_path / "tuned.json")
    done = ftcourse("compare", tmp_path / "base.json", tmp_path / "tuned.json",
                    "--output", tmp_path / "cmp.md")
    assert done.returncode == 0, done.stderr
    assert "paired (both scored the same rows)" in done.stdout
    assert "| exact_match |" in done.stdout and "| success_rate |" in done.stdout
    assert "mean_latency_s A" in (tmp_path / "cmp.md").read_text()
    same = ftcourse("compare", tmp_path / "base.json", tmp_path / "kit.json")  # one model
    assert same.returncode == 0 and same.stdout.count("no clear winner") == 2
    for flag, name in ((False, "wrong.json"), (True, "right.json")):  # every answer, same rows
        for example in base["examples"]:
            example["exact_match"] = example["success"] = flag
        (tmp_path / name).write_text(json.dumps(base))
    done = ftcourse("compare", tmp_path / "wrong.json", tmp_path / "right.json")
    row = next(line for line in done.stdout.splitlines() if line.startswith("| exact_match"))
    assert row.rstrip().endswith("| B |")
    base["task"] = "classify"
    (tmp_path / "other.json").write_text(json.dumps(base))
    done = ftcourse("compare", tmp_path / "tuned.json", tmp_path / "other.json")
    assert done.returncode == 2 and "different tasks" in done.stderr


def test_query_answers_from_an_argument_and_from_stdin(adapter, env):
    done = run_child("query", "--model", adapter, "--max-new-tokens", "3",
                     "Is this review positive or negative? The build is fast.", env=env)
    assert done.returncode == 0, done.stderr
    for args in ([], ["-"]):
        child = subprocess.run([sys.executable, "-m", "book.pipeline.cli", "query", "--model",
                                str(adapter), "--max-new-tokens", "3", *args],
                               input="Say something.", capture_output=True, text=True, env=env,
                               timeout=300)
        assert child.returncode == 0, child.stderr


@pytest.mark.parametrize("model", ["adapter", "full_model", "course-lm"])
def test_query_wraps_the_instruction_in_the_training_template(model, ftcourse, monkeypatch,
                                                             request):
    from book.pipeline import instruct

    target = request.getfixturevalue(model) if model != "course-lm" else model
    seen: list[str] = []
    original = instruct.generate

    def spy(model, tokenizer, prompts, **kwargs):
        seen.extend(prompts)
        return original(model, tokenizer, prompts, **kwargs)

    monkeypatch.setattr(instruct, "generate", spy)
    monkeypatch.setattr("sys.stdin", io.StringIO("  Is this review positive or negative?\n"))
    done = ftcourse("query", "--model", target, "--input", "The docs are clear.",
                    "--max-new-tokens", "3", "-")
    assert done.returncode == 0, done.stderr
    assert seen == [instruct.format_prompt("Is this review positive or negative?",
                                           "The docs are clear.")]
    assert done.stdout.endswith("\n") and len(done.stdout.splitlines()) <= 4
    monkeypatch.setattr("sys.stdin", io.StringIO("  "))
    empty = ftcourse("query", "--model", target)
    assert empty.returncode == 2 and "no prompt" in empty.stderr


def test_serve_command_answers_instructions(adapter, monkeypatch):
    """``ftcourse serve`` builds the app that uvicorn would run; FastAPI's test client asks it."""
    import uvicorn
    from fastapi.testclient import TestClient

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.update(app=app, **kwargs))
    assert cli.main(["serve", str(adapter), "--port", "8123", "--max-new-tokens", "3"]) == 0
    assert served["port"] == 8123
    with TestClient(served["app"]) as client:
        health = client.get("/").json()
        assert health["status"] == "ok" and health["task"] == "instruct"
        answer = client.post("/predict", json={"text": "Is it good? The docs are clear."})
        assert answer.status_code == 200 and isinstance(answer.json()["response"], str)
        assert client.post("/predict", json={"txt": "hi"}).status_code == 422


def test_service_answers_instructions_over_http(adapter):
    respond, info = cli._predictor(str(adapter), max_new_tokens=3)
    app = serve.create_app(respond, {"model": "adapter", "task": info["task"]})
    with serve.running(app) as url:
        answer = httpx.post(f"{url}/predict", json={"text": "Is it good? The docs are clear."},
                            timeout=60)
    assert answer.status_code == 200 and isinstance(answer.json()["response"], str)


def test_models_has_a_lora_column(ftcourse):
    done = ftcourse("models")
    assert done.returncode == 0
    header, _, *rows = done.stdout.splitlines()[2:]
    assert "LoRA GB" in header and header.index("run GB") < header.index("LoRA GB") \
        < header.index("full FT GB")
    gpt2 = next(row for row in rows if row.startswith("gpt2 "))
    assert gpt2.split()[2:6] == ["124.44M", "0.498", "0.518", "1.991"]
    assert "activations excluded" in done.stdout and "Hu et al. 2021" in done.stdout


def test_models_shows_hub_ids_under_the_hub_source(ftcourse, monkeypatch):
    monkeypatch.setenv("FTCOURSE_SOURCE", "hub")
    done = ftcourse("models")
    assert done.returncode == 0 and "source: hub" in done.stdout
    assert "course-lm -> gpt2" in done.stdout and "HuggingFaceTB/SmolLM2-135M" in done.stdout


# ---- instruction data: bad input ------------------------------------------------------------


BAD_INSTRUCT_LINES = {
    "not_json": ('{"instruction": "Say hi.", "input": "", "output": "hi"', "not valid JSON"),
    "missing_input": ('{"instruction": "Say hi.", "output": "hi"}', "missing field 'input'"),
    "missing_output": ('{"instruction": "Say hi.", "input": ""}', "missing field 'output'"),
    "output_is_a_number": ('{"instruction": "Count.", "input": "", "output": 3}',
                           "field 'output' must be a string"),
    "input_is_null": ('{"instruction": "Say hi.", "input": null, "output": "hi"}',
                      "field 'input' must be a string"),
    "empty_instruction": ('{"instruction": " ", "input": "x", "output": "hi"}',
                          "field 'instruction' is empty"),
    "classify_row": ('{"text": "fine", "label": "positive"}', "missing field 'instruction'"),
}


@pytest.mark.parametrize("case", sorted(BAD_INSTRUCT_LINES))
def test_a_malformed_instruction_line_exits_2_with_file_and_line(case, instruct_files, tmp_path,
                                                                 ftcourse):
    line, expected = BAD_INSTRUCT_LINES[case]
    good = instruct_files["train"].read_text().splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([*good[:3], "", line, *good[3:8]]) + "\n")  # line 5
    for args in (["finetune", "--task", "instruct", "--base-model", "course-lm", "--train", bad,
                  "--output", tmp_path / "out"],
                 ["finetune", "--task", "instruct", "--base-model", "course-lm", "--train",
                  instruct_files["train"], "--eval", bad, "--output", tmp_path / "out"],
                 ["evaluate", "--model", "course-lm", "--data", bad, "--output",
                  tmp_path / "r.json"]):
        done = ftcourse(*args)
        assert done.returncode == 2, done.stdout
        assert f"{bad}:5: " in done.stderr and expected in done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "r.json").exists()


def test_instruct_rows_may_have_an_empty_input(tmp_path, ftcourse):
    data = write_jsonl(tmp_path / "d.jsonl", [
        {"instruction": "Name a Python module.", "input": "", "output": "json"},
        {"instruction": "Is this review positive or negative?", "input": "It is slow.",
         "output": "negative"}])
    report = evaluate(ftcourse, "course-lm", data, tmp_path / "r.json")
    assert report["metrics"]["n"] == 2


def test_instruct_options_are_checked_before_anything_is_read(instruct_files, tmp_path,
                                                              ftcourse):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("old")
    done = ftcourse("finetune", "--task", "instruct", "--method", "full", "--rank", "4",
                    "--base-model", "course-lm", "--train", instruct_files["train"], "--output",
                    out, "--overwrite")
    assert done.returncode == 2 and "--method full" in done.stderr
    assert (out / "keep.txt").is_file()  # refused before --overwrite removed anything
    done = ftcourse("finetune", "--task", "instruct", "--base-model", "distilbert", "--train",
                    instruct_files["train"], "--output", tmp_path / "enc")
    assert done.returncode == 2 and "encoder" in done.stderr and "Traceback" not in done.stderr
    done = ftcourse("evaluate", "--model", "distilbert", "--data", instruct_files["test"],
                    "--output", tmp_path / "r.json")
    assert done.returncode == 2 and "encoder" in done.stderr


def test_lora_options_are_refused_for_a_classifier(files, tmp_path, ftcourse):
    done = ftcourse("finetune", "--task", "classify", "--base-model", "classifier-base",
                    "--train", files["train"], "--output", tmp_path / "o", "--method", "lora")
    assert done.returncode == 2 and "--task instruct" in done.stderr


def test_an_adapter_is_not_put_on_another_sources_base_model(adapter, instruct_files, tmp_path,
                                                              ftcourse, monkeypatch):
    monkeypatch.setenv("FTCOURSE_SOURCE", "hub")  # course-lm would be GPT-2 small from the hub
    done = ftcourse("evaluate", "--model", adapter, "--data", instruct_files["test"],
                    "--output", tmp_path / "r.json")
    assert done.returncode == 2 and "FTCOURSE_SOURCE=offline" in done.stderr
