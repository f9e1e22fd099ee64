"""Finding the sluice binary, running it, and its errors."""

import os
import re
import shutil
import subprocess
from pathlib import Path

# A log line of the binary (text or JSON), as opposed to its one-line messages.
_LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d|\{\")")
# What `sluice run` says on stderr that is not an error.
_NOTICE = re.compile(r"^sluice: (resuming job|operations surface on http port|job \S+ finished "
                     r"before)")


class SluiceError(Exception):
    """The binary failed. `message` is what it said (its `sluice: …` lines,
    without the prefix), `exit_code` its exit status (1: the job failed,
    2: a usage or job-file error), `stderr` all it wrote there, `command`
    the argument list, `job_text` the job file written for a dict job."""

    def __init__(self, message, exit_code=None, stderr="", command=None, job_text=None):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.stderr = stderr
        self.command = command
        self.job_text = job_text

    def __str__(self):
        if self.exit_code is None:
            return self.message
        return f"[exit status {self.exit_code}] {self.message}"


def _repository_binary():
    # python/sluice/_binary.py -> the repository root, then its build tree.
    root = Path(__file__).resolve().parent.parent.parent
    candidate = root / "build" / "tools" / "sluice"
    return str(candidate) if os.access(candidate, os.X_OK) else None


def find_binary(binary=None):
    """The sluice binary to run: `binary`, else $SLUICE_BINARY, else `sluice`
    on PATH, else the repository's build/tools/sluice."""
    for origin, value in (("binary=", binary), ("SLUICE_BINARY", os.environ.get("SLUICE_BINARY"))):
        if value:
            path = shutil.which(os.fspath(value))
            if path is None:
                raise SluiceError(f"{origin} {value!r}: no such executable file")
            return os.path.abspath(path)  # the binary runs in other directories
    found = shutil.which("sluice")
    found = os.path.abspath(found) if found else _repository_binary()
    if found is None:
        raise SluiceError(
            "no sluice binary: pass binary=, set SLUICE_BINARY, put sluice on PATH or build "
            "it in build/ (cmake -S . -B build && cmake --build build --target sluice)")
    return found


def binary_message(stderr, job_path=None):
    """The binary's own words on stderr: its `sluice: …` lines and what
    follows them (an expression error's text and caret), without log lines.
    `job_path` (the temporary file of a dict job) is named `<job dict>`."""
    if job_path:
        stderr = stderr.replace(job_path, "<job dict>")
    lines = [line for line in stderr.splitlines()
             if line.strip() and not _LOG_LINE.match(line) and not _NOTICE.match(line)]
    for index, line in enumerate(lines):
        if line.startswith("sluice: "):
            return "\n".join(text.removeprefix("sluice: ") for text in lines[index:])
    return lines[-1] if lines else "no message on stderr"


def environment(extra=None):
    """The binary's environment: this process's, with the workers' and the
    embedded coordinator's info logs off unless SLUICE_LOG_LEVEL says
    otherwise, and text logs (the package reads the binary's text lines)."""
    env = dict(os.environ)
    env.setdefault("SLUICE_LOG_LEVEL", "warn")
    env["SLUICE_LOG_FORMAT"] = "text"
    env.update(extra or {})
    return env


def run_binary(binary, args, cwd=None, job_text=None, timeout=None, with_stderr=False,
               job_path=None):
    """Runs `binary args…` to its end; returns its stdout (and stderr:
    `with_stderr`). Raises SluiceError with the binary's message and exit
    status when it fails (`job_path`, a dict job's file, named `<job dict>`)."""
    command = [binary, *map(os.fspath, args)]
    try:
        completed = subprocess.run(command, cwd=cwd, env=environment(), capture_output=True,
                                   text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as expired:
        stderr = expired.stderr or b""  # bytes even in text mode
        if isinstance(stderr, bytes):
            stderr = stderr.decode("utf-8", "replace")
        raise SluiceError(f"{' '.join(command[:2])} did not end within {timeout} s; killed it",
                          None, stderr, command, job_text) from expired
    if completed.returncode != 0:
        raise SluiceError(binary_message(completed.stderr, job_path), completed.returncode,
                          completed.stderr, command, job_text)
    return (completed.stdout, completed.stderr) if with_stderr else completed.stdout
