"""Jobs on a long-running coordinator: submit, status, wait, cancel; and a
local cluster (a coordinator and workers as child processes)."""

import collections
import os
import re
import subprocess
import tempfile
import threading
import time

from ._binary import SluiceError, environment, find_binary, run_binary
from ._job import JobFile
from .progress import Progress, http_base, http_json, parse_status_table
from .result import Result


def _endpoint(coordinator):
    """`host:port` or `tcp://host:port` -> `tcp://host:port`."""
    coordinator = str(coordinator)
    return coordinator if "://" in coordinator else f"tcp://{coordinator}"


class Job:
    """A job submitted to a coordinator. `status()` reads the HTTP API when
    `http` was given (all counters), else runs `sluice status`."""

    def __init__(self, job_id, coordinator, http=None, binary=None, created=True):
        self.job_id = job_id
        self.coordinator = _endpoint(coordinator)
        self.http = http_base(http) if http else None
        self.created = created  # False: the same job had been submitted before
        self._binary = find_binary(binary)

    def __repr__(self):
        return f"<sluice.Job {self.job_id} coordinator={self.coordinator}>"

    def status(self):
        """A sluice.Progress of the job now."""
        if self.http:
            try:
                return Progress.from_api(http_json(f"{self.http}/api/jobs/{self.job_id}"))
            except SluiceError:
                pass  # the page is redrawn every 0.5 s: a new job is not on it yet
        text = run_binary(self._binary, ["status", self.job_id, "--coordinator", self.coordinator])
        for job in parse_status_table(text):
            if job.job_id == self.job_id:
                return job
        raise SluiceError(f"the coordinator lists no job {self.job_id}")

    def wait(self, progress=None, timeout=None, poll_seconds=0.25):
        """Polls until the job ends, calling `progress(p)` with each
        sluice.Progress; returns the job's Result when it succeeded. Raises
        SluiceError (exit_code 1) when it failed or was cancelled, naming
        why, and when `timeout` seconds pass first (the job goes on)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            now = self.status()
            if progress is not None:
                progress(now)
            if now.done:
                break
            if deadline is not None and time.monotonic() > deadline:
                raise SluiceError(f"job {self.job_id} still {now.state} after {timeout} s")
            time.sleep(poll_seconds)
        if now.state != "succeeded":
            raise SluiceError(f"job {self.job_id} {now.state}: {now.error}", 1)
        return Result(now.output)

    def cancel(self):
        """Cancels the job (`sluice cancel`): nothing more is published.
        Returns the state the coordinator reports."""
        text = run_binary(self._binary, ["cancel", self.job_id, "--coordinator", self.coordinator])
        for line in text.splitlines():
            job_id, _, state = line.partition(" ")
            if job_id == self.job_id:
                return state
        return None


def submit(job, coordinator, http=None, cwd=None, binary=None, wait=False, progress=None,
           timeout=None):
    """Submits a job (a path or a dict) to a coordinator with `sluice
    submit` and returns a sluice.Job. `coordinator` is `host:port` or
    `tcp://host:port`; `http` the coordinator's `--http` address, which
    makes status() carry every counter and the output path (without it,
    `sluice status` is polled). Relative paths in the job resolve against
    `cwd` (default: the current directory) and must name the same files on
    the coordinator's and workers' hosts. The same job submitted twice is
    the same job (Job.created is False the second time). `wait=True` waits
    for its end and returns its Result instead."""
    binary = find_binary(binary)
    with JobFile(job) as (path, text):
        stdout, stderr = run_binary(binary,
                                    ["submit", path, "--coordinator", _endpoint(coordinator)],
                                    cwd=cwd, job_text=text, with_stderr=True,
                                    job_path=text and path)
    job_id = stdout.split()[0]
    handle = Job(job_id, coordinator, http=http, binary=binary,
                 created="the same job exists already" not in stderr)
    if wait:
        return handle.wait(progress=progress, timeout=timeout)
    return handle


_JOIN = re.compile(r"sluice worker --coordinator (tcp://\S+)")
_HTTP_PORT = re.compile(r"operations surface on http port (\d+)")


class LocalCluster:
    """A coordinator (`--listen tcp://127.0.0.1:0 --http 127.0.0.1:0`) and
    `workers` worker processes on this host, for as long as the `with`
    block lasts (or until close()). `coordinator` and `http` are their
    addresses; `submit(job, …)` submits to it. `state` is the coordinator's
    state directory (default: a temporary one, removed at close)."""

    def __init__(self, workers=2, state=None, binary=None, start_timeout=30.0):
        self._binary = find_binary(binary)
        self._temporary = None
        if state is None:
            self._temporary = tempfile.TemporaryDirectory(prefix="sluice-state-")
            state = self._temporary.name
        self.state = os.fspath(state)
        self._log = collections.deque(maxlen=200)
        self._workers = []
        self._drains = []
        self.coordinator_process = self._start(
            ["coordinator", "--listen", "tcp://127.0.0.1:0", "--state", self.state, "--http",
             "127.0.0.1:0"])
        self.coordinator = self.http = None
        try:
            self._wait_for_addresses(start_timeout)
            for _ in range(workers):
                self.add_worker()
        except BaseException:
            self.close()
            raise

    def _start(self, args):
        process = subprocess.Popen([self._binary, *args], env=environment(),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)

        def drain():  # a full pipe would stop the process
            for line in process.stderr:
                self._log.append(line)

        thread = threading.Thread(target=drain, daemon=True)
        thread.start()
        self._drains.append(thread)
        return process

    def _wait_for_addresses(self, timeout):
        deadline = time.monotonic() + timeout
        while self.coordinator is None or self.http is None:
            text = "".join(self._log)
            if (join := _JOIN.search(text)) is not None:
                self.coordinator = join.group(1)
            if (port := _HTTP_PORT.search(text)) is not None:
                self.http = f"127.0.0.1:{port.group(1)}"
            if self.coordinator_process.poll() is not None:
                raise SluiceError(f"the coordinator exited: {text.strip()}",
                                  self.coordinator_process.returncode, text)
            if time.monotonic() > deadline:
                raise SluiceError(f"the coordinator did not start within {timeout} s: {text}")
            time.sleep(0.05)

    def add_worker(self, slots=1):
        """Starts one more `sluice worker` (returns its Popen)."""
        worker = self._start(["worker", "--coordinator", self.coordinator, "--slots", str(slots)])
        self._workers.append(worker)
        return worker

    def submit(self, job, **options):
        """sluice.submit(job, coordinator=…, http=…) to this cluster."""
        return submit(job, self.coordinator, http=self.http, binary=self._binary, **options)

    def log(self):
        """The last lines the coordinator and workers wrote on stderr."""
        return "".join(self._log)

    def close(self):
        """Stops the workers, then the coordinator (SIGTERM; SIGKILL after 10 s)."""
        for process in [*self._workers, self.coordinator_process]:
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for thread in self._drains:
            thread.join(timeout=5)
        for process in [*self._workers, self.coordinator_process]:
            process.stderr.close()
        self._workers, self._drains = [], []
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
