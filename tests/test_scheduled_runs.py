"""Scheduled runs that cannot wipe data, versions and rollback, and a CLI schedulers can rely on (issue 12).

Only text-layer fixtures: each run takes a few seconds, and a module-scoped published set is
reused where a test only reads it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline import batch
from pipeline.assemble import CURATED_TABLES
from pipeline.cli import cli
from pipeline.publish import current_version, run_lock, versions_dir
from pipeline.run import EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_QUARANTINED, EXIT_REFUSED, run_pipeline
from tests.conftest import Curated
from tests.truth import RAW, score_mismatches

THREE = ["laocai-2024-dti2023.pdf", "laocai-2017-qd512-ict2016.pdf", "laocai-2023-news-dti2022.html"]
ISO_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d dti: ")


def cli_run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def files_of(curated: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(curated.resolve().iterdir())}


def fill(raw: Path, names: list[str]) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(RAW / name, raw / name)


@pytest.fixture(scope="module")
def published_once(tmp_path_factory) -> Path:
    """raw/, curated/ and its versions and cache, made once; each test gets a copy (the cache spares re-extraction)."""
    root = tmp_path_factory.mktemp("published")
    fill(root / "raw", THREE)
    assert run_pipeline(root / "raw", root / "curated").exit_code == EXIT_OK
    return root


@pytest.fixture()
def published(tmp_path, published_once):
    """A good published set of three documents, and its files' bytes."""
    shutil.copytree(published_once, tmp_path / "copy", symlinks=True)  # curated/ is a relative link into the copy
    raw, curated = tmp_path / "copy" / "raw", tmp_path / "copy" / "curated"
    assert curated.resolve().is_relative_to(tmp_path)
    return raw, curated, files_of(curated)


# --- 1. a run never publishes a version that silently loses data ---------------------------------


@pytest.mark.slow
def test_an_empty_raw_folder_keeps_the_published_set(published):
    raw, curated, before = published
    for f in raw.iterdir():
        f.unlink()
    result = cli_run("run", "--raw", str(raw), "--curated", str(curated))
    assert result.exit_code == EXIT_REFUSED
    stamped = result.stderr.strip().splitlines()[-1]
    assert ISO_LINE.match(stamped), stamped
    line = stamped.split(" ", 1)[1]
    assert line.startswith(
        f"dti: not published, the current {curated}/ is kept: 3 of the 3 documents the current version holds would be lost (all of them: "
    )
    assert line.endswith("check that raw/ is complete, or pass --allow-shrink to publish the smaller set")
    assert files_of(curated) == before
    forced = cli_run("run", "--raw", str(raw), "--curated", str(curated), "--allow-shrink")
    assert forced.exit_code == EXIT_OK
    assert len(pd.read_parquet(curated / "scores.parquet")) == 0


@pytest.mark.parametrize("how", ["missing", "file", "dangling link"])
@pytest.mark.slow
def test_a_mistyped_raw_folder_is_an_error_for_run_and_status(published, how):
    raw, curated, before = published
    wrong = raw.parent / "rwa"
    if how == "file":
        wrong.write_text("not a folder")
    elif how == "dangling link":
        wrong.symlink_to(raw.parent / "nowhere")
    for command in ("run", "status"):
        result = cli_run(command, "--raw", str(wrong), "--curated", str(curated), "--json")
        assert result.exit_code == EXIT_FAILED, (command, result.output)
        error = json.loads(result.stdout)
        assert error["exit"] == EXIT_FAILED
        expected = "does not exist" if how == "missing" else "is not a folder"
        assert expected in error["error"] and "\n" not in error["error"]
        assert expected in result.stderr
    assert files_of(curated) == before


@pytest.mark.slow
def test_losing_more_than_the_allowed_share_is_refused(published):
    raw, curated, before = published
    (raw / THREE[0]).unlink()
    (raw / THREE[1]).write_bytes(b"")  # a file that now fails is lost data too
    refused = cli_run("run", "--raw", str(raw), "--curated", str(curated), "--json")
    assert refused.exit_code == EXIT_REFUSED
    error = json.loads(refused.stdout)
    assert error["error"].startswith("not published") and "2 of the 3 documents" in error["error"]
    assert error["kept_version"] == current_version(curated)
    assert files_of(curated) == before
    allowed = cli_run("run", "--raw", str(raw), "--curated", str(curated), "--max-shrink", "0.7")
    assert allowed.exit_code == EXIT_QUARANTINED, allowed.output  # published, with the empty file quarantined


@pytest.mark.slow
def test_renamed_and_edited_files_are_not_losses(published):
    raw, curated, _ = published
    (raw / THREE[0]).rename(raw / "renamed.pdf")
    with open(raw / THREE[1], "ab") as fh:
        fh.write(b"\n% re-saved\n")
    (raw / THREE[2]).unlink()  # one of three: within the default share
    assert run_pipeline(raw, curated).exit_code == EXIT_OK


# --- 2. versions and rollback -------------------------------------------------------------------


@pytest.mark.slow
def test_versions_and_rollback_to_a_byte_identical_earlier_version(published):
    raw, curated, first = published
    first_version = current_version(curated)
    (raw / THREE[2]).unlink()
    second = run_pipeline(raw, curated)
    assert files_of(curated) != first
    listed = cli_run("versions", "--curated", str(curated), "--json")
    assert listed.exit_code == EXIT_OK
    kept = json.loads(listed.stdout)
    assert [v["version"] for v in kept] == [first_version, second.published]
    assert [v["current"] for v in kept] == [False, True]
    assert [(v["documents"], v["exit"]) for v in kept] == [(3, 0), (2, 0)]
    assert kept[1]["rows"] == len(pd.read_parquet(curated / "scores.parquet"))
    assert kept[0]["finished_at"] < kept[1]["finished_at"] or kept[0]["finished_at"] == kept[1]["finished_at"]
    text = cli_run("versions", "--curated", str(curated))
    assert text.stdout.splitlines()[1].startswith(f"* {second.published}  ")

    back = cli_run("rollback", first_version, "--curated", str(curated))
    assert back.exit_code == EXIT_OK, back.output
    assert back.stdout.strip() == f"{curated}/ is now version {first_version} (was {second.published})"
    assert files_of(curated) == first
    assert curated.is_symlink()

    unknown = cli_run("rollback", "20990101T000000-nope", "--curated", str(curated), "--json")
    assert unknown.exit_code == 2
    assert json.loads(unknown.stdout)["error"].startswith("there is no kept version '20990101T000000-nope'")
    with run_lock(curated):
        locked = cli_run("rollback", second.published, "--curated", str(curated))
    assert locked.exit_code == EXIT_LOCKED and "another dti run is already writing" in locked.stderr
    assert files_of(curated) == first


# --- 4. retry ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_retry_quarantined_processes_cached_failures_again(tmp_path):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    fill(raw, THREE[:1])
    (raw / "empty.pdf").write_bytes(b"")
    assert run_pipeline(raw, curated).extracted == 2
    assert run_pipeline(raw, curated).extracted == 0
    again = run_pipeline(raw, curated, retry_quarantined=True)
    assert (again.extracted, again.from_cache) == (1, 1)  # only the failure; the good file stays cached
    result = cli_run("run", "--raw", str(raw), "--curated", str(curated), "--retry-quarantined", "--json")
    summary = json.loads(result.stdout)
    assert (summary["extracted"], summary["from_cache"], summary["exit"]) == (1, 1, EXIT_QUARANTINED)
    assert summary["published_version"] == current_version(curated)


# --- 5. the command line ------------------------------------------------------------------------


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))


def test_version_and_short_help_on_every_command():
    from importlib.metadata import version

    assert cli_run("--version").stdout.strip() == f"dti {version('dti')}"
    names = list(_commands(cli))
    assert {("run",), ("status",), ("versions",), ("rollback",), ("units", "review")} <= set(names)
    for path in [(), *names]:
        result = cli_run(*path, "-h")
        assert result.exit_code == 0 and result.stdout.startswith("Usage: "), path


@pytest.mark.slow
def test_status_exits_3_when_there_is_something_to_act_on(published):
    raw, curated, _ = published
    same = cli_run("status", "--raw", str(raw), "--curated", str(curated), "--json")
    assert same.exit_code == EXIT_OK
    report = json.loads(same.stdout)
    assert report["up_to_date"] and report["published_version"] == current_version(curated)
    assert report["content"] == json.loads((curated / "run.json").read_text())["version"]
    (raw / "empty.pdf").write_bytes(b"")
    new = cli_run("status", "--raw", str(raw), "--curated", str(curated))
    assert new.exit_code == 3 and "new: empty.pdf" in new.stdout


@pytest.mark.slow
def test_units_review_exits_3_with_unresolved_names_and_reports_json(tmp_path, published):
    _, curated, _ = published
    clean = cli_run("units", "review", "--curated", str(curated), "--json")
    assert clean.exit_code == EXIT_OK and json.loads(clean.stdout) == {
        "unresolved": [],
        "published_version": current_version(curated),
    }
    issues = pd.read_parquet(curated / "issues.parquet")
    folder = tmp_path / "with-unresolved"
    folder.mkdir()
    extra = pd.DataFrame(
        [
            {
                "doc_id": "0" * 16,
                "group_code": "tthc",
                "unit_name_raw": "Sở Mới",
                "field": "unit_id",
                "code": "unresolved_unit",
                "severity": "warning",
                "message": "m",
                "printed": "Sở Mới",
                "expected": "",
            }
        ]
    )
    pd.concat([issues, extra.astype("string")]).to_parquet(folder / "issues.parquet")
    pending = cli_run("units", "review", "--curated", str(folder), "--json")
    assert pending.exit_code == 3
    assert [u["unit_name_raw"] for u in json.loads(pending.stdout)["unresolved"]] == ["Sở Mới"]
    missing = cli_run("units", "review", "--curated", str(tmp_path / "none"), "--json")
    assert missing.exit_code == 1 and json.loads(missing.stdout)["exit"] == 1


def _dti(raw: Path, curated: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from pipeline.cli import main; main()",
            "run",
            "--raw",
            str(raw),
            "--curated",
            str(curated),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def _wait_for_line(proc: subprocess.Popen, text: str) -> list[bytes]:
    lines = []
    while proc.poll() is None:
        line = proc.stderr.readline()
        lines.append(line)
        if text.encode() in line:
            break
    return lines


@pytest.mark.slow
def test_ctrl_c_exits_130_and_leaves_the_current_version(published):
    """SIGINT as extraction starts, in the middle of an OCR, and while the new version is staged."""
    raw, curated, before = published
    (raw / THREE[2]).unlink()  # staging first: the other files are cached, so the run gets there quickly
    for moment in ("staging", "extraction starts", "mid-OCR"):
        if moment == "extraction starts":
            before = files_of(curated)
            fill(raw, ["laocai-2017-qd512-ict2016-scan.pdf"])  # OCR keeps the run busy for a while
        proc = _dti(raw, curated)
        early = _wait_for_line(proc, "files found")
        if moment == "mid-OCR":
            time.sleep(1.5)
        elif moment == "staging":
            deadline = time.monotonic() + 180
            while (
                not list(versions_dir(curated).glob("*.partial"))
                and proc.poll() is None
                and time.monotonic() < deadline
            ):
                time.sleep(0.002)
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=180)
        err = b"".join(early).decode() + rest.decode()
        assert proc.returncode in ((130,) if moment != "staging" else (130, EXIT_OK)), (moment, err)
        if moment != "staging":
            last = err.strip().splitlines()[-1]
            assert ISO_LINE.match(last) and last.endswith(f" dti: interrupted; {curated}/ is left as it was"), err
        for name in (f"{t}.parquet" for t in CURATED_TABLES):
            pd.read_parquet(curated / name)  # a complete set in every case
        if moment != "staging":
            assert files_of(curated) == before, moment  # interrupted before publishing: untouched
    with run_lock(curated):  # no interrupted run left the lock held
        pass
    assert not [p for p in Path("/proc").glob("[0-9]*") if _mentions(p, str(raw))]


def _slow_to_start(path, doc_id, out, *rest) -> None:
    """A worker that takes a while to reach its own process group, then writes a result."""
    time.sleep(1.0)
    os.setpgrp()
    time.sleep(0.5)
    Path(out).write_bytes(b"late")


@pytest.mark.slow
def test_ctrl_c_right_after_a_worker_is_forked_kills_it_before_it_writes(tmp_path, monkeypatch):
    """The worker is killed with its group even before it has run: the run neither waits for it nor caches it.

    A Ctrl-C between the fork and the child's own setpgrp used to find no group to kill; the run
    then waited for the document to be read and cached it, and the next run published it.
    """
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.pdf").write_bytes(b"%PDF-1.4 not read: the worker is replaced")
    monkeypatch.setattr(batch, "_worker", _slow_to_start)

    def interrupted() -> None:
        raise KeyboardInterrupt

    cache = tmp_path / "cache"
    with pytest.raises(KeyboardInterrupt):
        batch.process_all(batch.discover(tmp_path / "raw"), cache, "f", workers=1, meanwhile=interrupted)
    time.sleep(1.0)  # past the time the worker would have written its result
    assert list(cache.iterdir()) == []


@pytest.mark.slow
def test_ctrl_c_during_a_libreoffice_conversion_stops_it_and_leaves_no_temporary_files(tmp_path):
    """LibreOffice runs in a session of its own (its time limit holds); it must still stop with the run."""
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    shutil.copyfile(RAW.parent / "variants" / "laocai-2024-dti2023.doc", raw / "laocai-2024-dti2023.doc")
    state, system_tmp = tmp_path / ".curated.state", tmp_path / "tmp"
    system_tmp.mkdir()
    proc = _dti(raw, curated, env=os.environ | {"TMPDIR": str(system_tmp)})
    deadline = time.monotonic() + 120
    while not _processes_mentioning(str(tmp_path), "soffice") and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _processes_mentioning(str(tmp_path), "soffice"), "LibreOffice was never seen converting"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 130, err.decode()
    time.sleep(0.5)  # what was signalled has had the time to stop
    assert _processes_mentioning(str(tmp_path)) == []
    assert sorted(p.name for p in (state / "cache").iterdir()) == []  # no result, log or temporary folder
    assert sorted(p.name for p in system_tmp.iterdir()) == []


def _processes_mentioning(text: str, program: str = "") -> list[str]:
    return [p.name for p in Path("/proc").glob("[0-9]*") if _mentions(p, text) and _mentions(p, program)]


def test_what_a_killed_run_left_in_its_cache_is_removed_by_the_next(tmp_path):
    """Its workers' temporary folders and logs, and a result it was writing when killed (SIGKILL runs no clean-up)."""
    cache = tmp_path / "cache"
    left = cache / "0123-f.pkl.4242.scratch" / "dti-office-x"
    left.mkdir(parents=True)
    (left / "source.doc").write_bytes(b"half converted")
    (cache / "0123-f.pkl.4242.log").write_text("pdfminer: a warning\n")
    (cache / "4567-f.pkl.4243.tmp").write_bytes(b"half a pick")
    (cache / "0123-f.pkl").write_bytes(b"a result")
    assert batch.process_all([], cache, "f") == {}
    assert sorted(p.name for p in cache.iterdir()) == ["0123-f.pkl"]


HELD_OFF = """
import os, signal, time
from pipeline.batch import _interrupts_held
reached = []
try:
    with _interrupts_held():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # an interrupt not held off is raised here
        reached.append("registered")
except KeyboardInterrupt:
    print(reached, "then interrupted")
"""


def test_ctrl_c_while_a_worker_is_being_registered_is_raised_once_it_is():
    """In a process of its own: the held-off SIGINT must reach a main thread (pytest-xdist runs tests elsewhere)."""
    result = subprocess.run([sys.executable, "-c", HELD_OFF], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "['registered'] then interrupted", result.stderr


def _mentions(proc_dir: Path, text: str) -> bool:
    try:
        return (
            text in (proc_dir / "cmdline").read_bytes().decode(errors="replace")
            and "zombie" not in (proc_dir / "status").read_text()
        )
    except OSError:
        return False


# --- 6. feedback ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_log_lines_carry_iso_time_stamps(tmp_path):
    raw = tmp_path / "raw"
    fill(raw, THREE[:1])
    result = cli_run("run", "--raw", str(raw), "--curated", str(tmp_path / "curated"))
    lines = result.stderr.splitlines()
    assert lines and all(ISO_LINE.match(ln) for ln in lines), lines
    assert any(ln.endswith("dti: 1 files found") for ln in lines)


@pytest.mark.slow
def test_every_skipped_entry_is_reported_and_names_are_nfc(tmp_path):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    fill(raw, THREE[:1])
    decomposed = unicodedata.normalize("NFD", "Quyết định Lào Cai.pdf")
    shutil.copyfile(RAW / THREE[1], raw / decomposed)
    elsewhere = tmp_path / "elsewhere"
    fill(elsewhere, THREE[2:])
    (raw / "linked-folder").symlink_to(elsewhere, target_is_directory=True)
    (raw / "dangling.pdf").symlink_to(tmp_path / "gone.pdf")
    os.mkfifo(raw / "pipe.pdf")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(raw / "sock"))
    (raw / ".hidden.pdf").write_bytes(b"x")
    result = cli_run("run", "--raw", str(raw), "--curated", str(curated))
    sock.close()
    assert result.exit_code == EXIT_OK, result.output
    expected = {
        ".hidden.pdf": "hidden (its name starts with a dot); rename it to include it",
        "dangling.pdf": "a symbolic link whose target does not exist (a dangling link)",
        "linked-folder": "a symbolic link to a folder; linked folders are not followed (they may loop or leave raw/)",
        "pipe.pdf": "not a regular file (a named pipe (FIFO))",
        "sock": "not a regular file (a socket)",
    }
    run = json.loads((curated / "run.json").read_text(encoding="utf-8"))
    assert {s["file_name"]: s["reason"] for s in run["skipped"]} == expected
    for name, reason in expected.items():
        assert f"skipped: {name}: {reason}" in result.stdout
        assert any(ln.endswith(f"dti: skipped {name}: {reason}") for ln in result.stderr.splitlines()), name
    cur = Curated(curated)
    names = list(cur.table("documents")["file_name"])
    assert unicodedata.normalize("NFC", decomposed) in names and decomposed not in names
    assert (
        score_mismatches(cur.rows("scores", unicodedata.normalize("NFC", decomposed)), "laocai-2017-qd512-ict2016")
        == []
    )
    status = cli_run("status", "--raw", str(raw), "--curated", str(curated), "--json")
    assert json.loads(status.stdout)["up_to_date"] and len(json.loads(status.stdout)["skipped"]) == 5


def test_an_unreadable_raw_folder_is_an_error(tmp_path, monkeypatch):
    """Permission bits do not stop root (these tests may run as root), so the listing is made to fail."""
    from pipeline.batch import RawFolderError, check_raw_folder

    raw = tmp_path / "raw"
    raw.mkdir()

    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(batch.os, "scandir", denied)
    with pytest.raises(
        RawFolderError, match=r"^the raw folder .* cannot be read \(Permission denied\); check its permissions$"
    ):
        check_raw_folder(raw)


def test_the_progress_bar_moves_per_page_and_names_the_file(monkeypatch):
    from pipeline import cli as cli_module
    from pipeline.batch import Found

    reporter = cli_module._Reporter()
    reporter.tty = True
    reporter.found(2)
    try:
        scan = Found(Path("long-scan.pdf"), "long-scan.pdf", "0" * 64)
        reporter.page(scan, 1, 4)
        task = reporter.progress.tasks[0]
        assert (task.completed, task.description) == (0.25, "long-scan.pdf p. 1/4")
        reporter.page(scan, 3, 4)
        assert reporter.progress.tasks[0].completed == 0.75
    finally:
        reporter.close()


@pytest.mark.slow
def test_units_accept_reports_json_and_errors_as_json(tmp_path):
    import normalizers

    registry = tmp_path / "registry"
    shutil.copytree(Path(normalizers.__file__).parent / "data", registry)
    ok = cli_run("units", "accept", "Sở TT-TT tỉnh LC", "lci.so_tttt", "--registry", str(registry), "--json")
    assert ok.exit_code == 0, ok.output
    assert {k: v for k, v in json.loads(ok.stdout).items() if k != "file"} == {
        "unit_id": "lci.so_tttt",
        "unit_name": "Sở Thông tin và Truyền thông",
        "alias": "Sở TT-TT tỉnh LC",
        "added": True,
    }
    bad = CliRunner().invoke(cli, ["units", "accept", "X", "lci.no_such", "--registry", str(registry), "--json"])
    assert bad.exit_code == 1
    assert "lci.no_such" in json.loads(bad.stdout)["error"] and json.loads(bad.stdout)["exit"] == 1
