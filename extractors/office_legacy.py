"""Old Word (.doc) and, where xlrd cannot read it, old Excel (.xls) through LibreOffice.

LibreOffice headless converts the file to .docx/.xlsx in a temporary folder with its own
throw-away profile (``-env:UserInstallation``), so parallel workers never share one, under a
time limit that holds even if the worker itself is killed (coreutils ``timeout`` in its own
session), and that is stopped at once when the worker dies (it would otherwise convert on,
after an interrupted or timed-out run). The converted file is then read by the ordinary
.docx/.xlsx reader.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from extractors.office_container import OfficeFileError
from extractors.parent_death import die_with_parent

CONVERT_TIMEOUT_S = 180
_APPS = {
    "doc": ("Word (.doc)", "Word", "docx", "libreoffice-writer-nogui"),
    "xls": ("Excel (.xls)", "Excel", "xlsx", "libreoffice-calc-nogui"),
}


class NoLibreOfficeError(OfficeFileError):
    pass


class ConversionError(OfficeFileError):
    pass


def soffice() -> str | None:
    """The LibreOffice program, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _detail(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip() and "javaldx" not in ln]
    return " ".join(" ".join(lines).split())[:100] or "no output file"


@contextmanager
def converted(path: Path, kind: str, timeout_s: float = CONVERT_TIMEOUT_S) -> Iterator[Path]:
    """The old `kind` ("doc" or "xls") file at `path` converted to .docx/.xlsx, for the length of the block."""
    what, app, target, package = _APPS[kind]
    program = soffice()
    if program is None:
        raise NoLibreOfficeError(
            f"reading an old {what} file needs LibreOffice, which is not installed; "
            f"install it (apt-get install {package}) or save the file as .{target}"
        )
    with tempfile.TemporaryDirectory(prefix="dti-office-") as tmp:
        folder = Path(tmp)
        source = folder / f"source.{kind}"
        shutil.copyfile(path, source)
        out = folder / "out"
        command = [
            program,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ]
        if (limiter := shutil.which("timeout")) is not None:
            command = [limiter, "-s", "KILL", str(int(timeout_s)), *command]
        env = dict(os.environ, HOME=str(folder))
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
            # SIGTERM to `timeout` when the worker dies: it passes it on to LibreOffice's whole group
            preexec_fn=functools.partial(die_with_parent, os.getpid(), signal.SIGTERM),
        )
        try:
            _, stderr = proc.communicate(timeout=timeout_s + 10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            stderr = b""
        result = out / f"source.{target}"
        if proc.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL, 124):
            raise ConversionError(
                f"LibreOffice took longer than {timeout_s:g} s converting this old {what} file and was stopped; "
                f"open it in {app} and save it as .{target}"
            )
        if not result.is_file() or result.stat().st_size == 0:
            raise ConversionError(
                f"LibreOffice could not convert this old {what} file ({_detail(stderr)}); it may be damaged or "
                f"protected — open it in {app} and save it as .{target}"
            )
        yield result
