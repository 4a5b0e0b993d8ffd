"""book.envcheck: right verdicts on this machine and on faked breakage, never a traceback,
never a network connection unless the hub is in use."""

from __future__ import annotations

import socket
import subprocess
import sys
import types
from collections import namedtuple
from pathlib import Path

import pytest

import book
from book import envcheck
from book.envcheck import Row

REPO = Path(__file__).resolve().parent.parent
DiskUsage = namedtuple("DiskUsage", "total used free")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test, unless a test installs its own fake."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"envcheck opened a network connection: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.delenv("FTCOURSE_SOURCE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


def by_check(rows: list[Row]) -> dict[str, Row]:
    return {row.check: row for row in rows}


def fake_kit(monkeypatch, read_manifest) -> None:
    """Replace ``book.kit`` (the real one may or may not be built here) by a stand-in."""
    kit = types.SimpleNamespace(
        paths=lambda: types.SimpleNamespace(root=Path("/kit")), read_manifest=read_manifest
    )
    monkeypatch.setitem(sys.modules, "book.kit", kit)
    monkeypatch.setattr(book, "kit", kit, raising=False)


def test_this_machine_passes_python_and_packages_and_skips_the_hub_offline():
    rows = by_check(envcheck.run_checks())
    assert rows["python"].status == "PASS"
    packages = [r for name, r in rows.items() if name.startswith("package ")]
    assert {r.check for r in packages} >= {"package torch", "package transformers"}
    assert all(r.status == "PASS" for r in packages), [r for r in packages if r.status != "PASS"]
    assert rows["lock file"].status == "PASS", rows["lock file"]
    assert rows["torch device"].found.startswith(envcheck.device())
    assert rows["hub"] == Row("hub", "SKIP", rows["hub"].found)
    assert rows["hub"].found.startswith("skipped: offline source")
    assert not any("crashed" in r.found for r in rows.values())


def test_missing_and_out_of_range_packages_fail_with_a_fix(monkeypatch):
    installed = envcheck._installed()
    del installed["peft"]
    installed["transformers"] = "4.57.0"
    installed["numpy"] = "2.0.0"  # inside the range, not the locked version
    monkeypatch.setattr(envcheck, "_installed", lambda: installed)
    rows = by_check(envcheck.check_packages())
    assert rows["package peft"].status == "FAIL"
    assert "not installed" in rows["package peft"].found
    assert "pip install" in rows["package peft"].fix
    assert rows["package transformers"].status == "FAIL"
    assert "4.57.0 installed, expected <6,>=5" in rows["package transformers"].found
    assert rows["package numpy"].status == "WARN"
    assert "lock pins 2.4.6" in rows["package numpy"].found
    assert rows["lock file"].status == "WARN" and "numpy 2.0.0!=2.4.6" in rows["lock file"].found


def test_installed_package_metadata_is_used_outside_a_checkout(monkeypatch, tmp_path):
    monkeypatch.setattr(envcheck, "PYPROJECT", tmp_path / "missing.toml")
    rows = by_check(envcheck.check_packages())
    assert rows["package torch"].status == "PASS"
    assert {"extra [site]", "extra [grading]", "extra [dev]"} <= set(rows)


def test_malformed_lock_line_names_file_line_and_content(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text("# header\ntorch==2.13.0\nnumpy>=2\n")
    with pytest.raises(ValueError, match=r"lock.txt:3: expected `name==version`, found 'numpy>=2'"):
        envcheck.read_lock(lock)


def test_old_python_fails():
    row = envcheck.check_python((3, 10, 4))
    assert row.status == "FAIL" and "3.10.4" in row.found and row.fix


def test_corrupted_kit_fails_and_missing_kit_module_warns(monkeypatch):
    def corrupt():
        raise RuntimeError("lm/model.safetensors is corrupt (SHA-256 differs from the manifest)")

    fake_kit(monkeypatch, corrupt)
    row = envcheck.check_kit()
    assert row.status == "FAIL" and "corrupt" in row.found and "make kit" in row.fix

    monkeypatch.setenv("FTCOURSE_SOURCE", "hub")  # the kit is optional with hub models
    assert envcheck.check_kit().status == "WARN"

    fake_kit(monkeypatch, lambda: {"files": {"a": "0" * 64, "b": "1" * 64}})
    assert envcheck.check_kit() == Row("offline kit", "PASS", "/kit (2 files verified)")

    monkeypatch.setitem(sys.modules, "book.kit", None)  # import fails
    monkeypatch.delattr(book, "kit", raising=False)
    row = envcheck.check_kit()
    assert row.status == "WARN" and row.found.startswith("kit module not available")


def test_unusable_cache_folder_fails_and_small_disk_warns(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    row = envcheck.check_cache(blocker / "cache")
    assert row.status == "FAIL" and "is a file" in row.found and "FTCOURSE_CACHE" in row.fix

    monkeypatch.setattr(envcheck.shutil, "disk_usage", lambda p: DiskUsage(0, 0, 0.5 * 2**30))
    assert envcheck.check_cache(tmp_path / "cache").status == "FAIL"
    monkeypatch.setattr(envcheck.shutil, "disk_usage", lambda p: DiskUsage(0, 0, 3 * 2**30))
    row = envcheck.check_cache(tmp_path / "cache")
    assert row.status == "WARN" and "3.0 GiB free" in row.found


def test_cache_folder_comes_from_ftcourse_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("FTCOURSE_CACHE", str(tmp_path / "here"))
    assert envcheck.check_cache().found.startswith(str(tmp_path / "here"))


def test_hub_is_contacted_only_when_in_use(monkeypatch):
    calls = []

    class Connection:
        def close(self):
            calls.append("closed")

    def fake_connect(address, timeout):
        calls.append((address, timeout))
        return Connection()

    assert envcheck.check_hub().status == "SKIP"  # offline: the autouse fixture refuses sockets
    assert envcheck.check_hub(enabled=False).status == "SKIP"

    monkeypatch.setattr(socket, "create_connection", fake_connect)
    monkeypatch.setenv("FTCOURSE_SOURCE", "hub")
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.example:8443")
    assert envcheck.check_hub() == Row("hub", "PASS", "hub.example:8443 reachable")
    assert calls == [(("hub.example", 8443), 3.0), "closed"]


def test_unreachable_hub_and_offline_flag_fail_with_fixes(monkeypatch):
    def unreachable(address, timeout):
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", unreachable)
    row = envcheck.check_hub(enabled=True)
    assert row.status == "FAIL" and "within 3 s" in row.found and "FTCOURSE_SOURCE" in row.fix

    monkeypatch.setattr(socket, "create_connection", None)  # must not even be looked at
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    row = envcheck.check_hub(enabled=True)
    assert row.status == "FAIL" and "HF_HUB_OFFLINE" in row.found


def test_bad_source_is_a_fail_line_and_keeps_the_hub_untouched(monkeypatch):
    monkeypatch.setenv("FTCOURSE_SOURCE", "cloud")
    rows = by_check(envcheck.run_checks())
    assert rows["source"].status == "FAIL" and "found 'cloud'" in rows["source"].found
    assert rows["hub"].status == "SKIP"


def test_a_crashing_check_becomes_a_fail_line(monkeypatch):
    monkeypatch.setattr(envcheck, "check_cpu", lambda: 1 / 0)
    rows = by_check(envcheck.run_checks())
    assert rows["cpu"].status == "FAIL"
    assert "crashed: ZeroDivisionError" in rows["cpu"].found
    assert rows["python"].status == "PASS"  # the other checks still ran


def test_renderers_show_fixes_and_escape_html():
    rows = [Row("python", "PASS", "3.11.7"), Row("cache <dir>", "FAIL", "a & b", "do <this>")]
    text = envcheck.render_text(rows).splitlines()
    assert text[0] == "PASS  python       3.11.7"
    assert text[1] == "FAIL  cache <dir>  a & b"
    assert text[2] == "                   fix: do <this>"
    assert text[3] == "1 PASS, 1 FAIL"
    html = envcheck.render_html(rows)
    assert "cache &lt;dir&gt;" in html and "a &amp; b" in html and "<dir>" not in html


@pytest.mark.parametrize(
    ("statuses", "code"), [(["PASS", "WARN", "SKIP"], 0), (["PASS", "FAIL"], 1)]
)
def test_exit_code_is_1_exactly_when_a_check_fails(monkeypatch, capsys, statuses, code):
    rows = [Row(f"c{i}", s, "x", "fix" if s != "PASS" else "") for i, s in enumerate(statuses)]
    seen = {}

    def fake_run_checks(*, hub):
        seen["hub"] = hub
        return rows

    monkeypatch.setattr(envcheck, "run_checks", fake_run_checks)
    assert envcheck.main([]) == code
    assert seen["hub"] is None  # auto: only when FTCOURSE_SOURCE=hub
    assert envcheck.main(["--hub", "--format", "html"]) == code
    assert seen["hub"] is True
    assert "<table" in capsys.readouterr().out


@pytest.mark.slow
def test_cli_reports_bad_settings_without_a_traceback():
    env = {"PATH": "/usr/bin:/bin", "FTCOURSE_SOURCE": "cloud", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "book.envcheck"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 1
    assert "FAIL  source" in result.stdout and "found 'cloud'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr

    result = subprocess.run(
        [sys.executable, "-m", "book.envcheck", "--format", "pdf"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 2 and "invalid choice: 'pdf'" in result.stderr


def test_installed_versions_are_not_shadowed_by_setuptools_vendored_copies(monkeypatch):
    """Importing setuptools appends its _vendor folder (old zipp, importlib-metadata) to
    sys.path; the report must still show what `import` would load: the first hit."""
    import importlib.metadata
    import os
    import sys

    import setuptools

    from book import envcheck

    vendor = os.path.join(os.path.dirname(setuptools.__file__), "_vendor")
    monkeypatch.setattr(sys, "path", [*sys.path, vendor])
    assert envcheck._installed()["zipp"] == importlib.metadata.version("zipp")
