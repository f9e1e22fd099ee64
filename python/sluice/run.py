"""`sluice run`, `sluice check` and `sluice sql` from Python."""

import os
import re
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from ._binary import SluiceError, binary_message, environment, find_binary, run_binary
from ._job import JobFile
from .progress import Progress, http_json, parse_summary
from .result import Result

_HTTP_PORT = re.compile(r"operations surface on http port (\d+)")


def check(job, cwd=None, binary=None):
    """Checks a job (a path or a dict) as `run` would, running nothing:
    `sluice check`. Returns True; raises SluiceError (exit status 2) with
    the binary's message, file, line and key, when it is not valid."""
    binary = find_binary(binary)
    with JobFile(job) as (path, text):
        run_binary(binary, ["check", path], cwd=cwd, job_text=text,
                   job_path=text and path)
    return True


def run(job, workers=2, state=None, cwd=None, progress=None, binary=None, timeout=None,
        poll_seconds=0.25):
    """Runs a job to its end with `sluice run` (an embedded coordinator and
    `workers` local worker processes) and returns its Result.

    `job` is the path of a job file or a dict of the same keys (written as
    JSON, which is YAML, to a temporary file). The job's relative paths
    (inputs, output, lookup tables, exec programs) resolve against `cwd`
    (default: the current directory), for a dict as for a file. `state` is
    the state directory (default `.sluice/<name>` under `cwd`): running the
    same job again resumes it, and a finished job publishes nothing new.
    `progress(p)` is called with a sluice.Progress about every
    `poll_seconds` while the job runs (read from the run's HTTP API on a
    loopback port) and once at its end. `timeout` (seconds) stops the run
    as Ctrl-C does (SIGTERM): the job is cancelled, and stays cancelled in
    its state directory. Raises SluiceError when the binary fails (exit 1:
    the job failed; 2: the job file is not valid) or the timeout passes."""
    binary = find_binary(binary)
    with JobFile(job) as (path, text):
        args = ["run", path, "--no-progress"]
        if workers:
            args += ["--workers", str(workers)]
        if state is not None:
            args += ["--state", os.fspath(state)]
        if progress is None and timeout is None:
            stdout = run_binary(binary, args, cwd=cwd, job_text=text, job_path=text and path)
        else:
            if progress is not None:
                args += ["--http", "127.0.0.1:0"]
            stdout = _run_following(binary, args, cwd, text, progress, timeout, poll_seconds)
    final = parse_summary(stdout)
    if final is None or final.output is None:
        raise SluiceError(f"sluice run printed no summary: {stdout!r}")
    if progress is not None:
        progress(final)
    return Result(final.output, summary=stdout)


def _run_following(binary, args, cwd, job_text, progress, timeout, poll_seconds):
    """`sluice run` stopped at `timeout`, and with --http its API polled for
    `progress` while it runs (args[1]: the job file)."""
    command = [binary, *args]
    process = subprocess.Popen(command, cwd=cwd, env=environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    stderr_lines, stdout_parts, port = [], [], []

    def read_stderr():
        for line in process.stderr:
            stderr_lines.append(line)
            if not port and (match := _HTTP_PORT.search(line)):
                port.append(int(match.group(1)))

    readers = [threading.Thread(target=read_stderr, daemon=True),
               threading.Thread(target=lambda: stdout_parts.append(process.stdout.read()),
                                daemon=True)]
    for reader in readers:
        reader.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while process.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise SluiceError(f"sluice run did not end within {timeout} s; stopped it",
                                  None, "".join(stderr_lines), command, job_text)
            if port and progress is not None:
                _report_running(port[0], progress)
            time.sleep(poll_seconds)
    finally:
        if process.poll() is None:
            process.terminate()  # sluice run cancels its job and stops its workers
            process.wait()
        for reader in readers:
            reader.join()
        process.stdout.close()
        process.stderr.close()
    stderr = "".join(stderr_lines)
    stdout = "".join(stdout_parts)
    if process.returncode != 0:
        final = parse_summary(stdout)
        if final is not None and progress is not None:
            progress(final)
        raise SluiceError(binary_message(stderr, job_text and args[1]), process.returncode,
                          stderr, command, job_text)
    return stdout


def _report_running(port, progress):
    """Calls `progress` for the job the run's coordinator is running, if any
    (its state directory may also list earlier jobs, which have ended)."""
    try:
        snapshot = http_json(f"http://127.0.0.1:{port}/api/jobs", timeout=2.0)
    except SluiceError:
        return  # the run is ending: its last numbers come from the summary
    for item in snapshot.get("jobs", []):
        if item.get("state") == "running":
            progress(Progress.from_api(item))


def sql(query, out=None, format="csv", workers=2, cwd=None, binary=None, timeout=None):
    """Runs a SQL query with `sluice sql QUERY --out OUT --format FORMAT
    --workers N` and returns its Result. Table names in the query are file
    paths, relative to `cwd`. `out` defaults to a new temporary directory
    (left for the caller: Result.output). Needs a binary with the `sql`
    subcommand; an older one raises SluiceError "unknown subcommand 'sql'"
    (exit status 2)."""
    binary = find_binary(binary)
    if out is None:
        out = os.path.join(tempfile.mkdtemp(prefix="sluice-sql-"), "out")
    args = ["sql", query, "--out", os.fspath(out), "--format", format]
    if workers:
        args += ["--workers", str(workers)]
    stdout = run_binary(binary, args, cwd=cwd, timeout=timeout)
    return Result(Path(cwd or os.getcwd()) / out, summary=stdout)
