"""Where a job stands: from the HTTP API, `sluice status`, or a run's summary."""

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from ._binary import SluiceError

FINAL_STATES = ("succeeded", "failed", "cancelled")


@dataclass
class Progress:
    """A job's state and counters. Fields a source does not give are None
    (`sluice status` has no rows_filtered, bytes or output)."""

    job_id: str
    state: str
    name: str = None
    partitions_done: int = None
    partitions_total: int = None
    rows_in: int = None
    rows_out: int = None
    rows_filtered: int = None
    rows_rejected: int = None
    bytes_read: int = None
    bytes_total: int = None
    output: str = None
    error: str = ""
    stages: list = field(default_factory=list)

    @property
    def done(self):
        """Whether the job has ended (succeeded, failed or cancelled)."""
        return self.state in FINAL_STATES

    @property
    def fraction(self):
        """Partitions done / total (0.0 to 1.0), None when unknown."""
        if not self.partitions_total:
            return None
        return self.partitions_done / self.partitions_total

    @classmethod
    def from_api(cls, item):
        """From one job of /api/jobs (coordinator/board_render.cc)."""
        return cls(job_id=item["id"], state=item["state"], name=item.get("name"),
                   partitions_done=item.get("partitions_done"),
                   partitions_total=item.get("partitions_total"), rows_in=item.get("rows_in"),
                   rows_out=item.get("rows_out"), rows_filtered=item.get("rows_filtered"),
                   rows_rejected=item.get("rows_rejected"), bytes_read=item.get("bytes_read"),
                   bytes_total=item.get("bytes_total"), output=item.get("output"),
                   error=item.get("error", ""), stages=item.get("stages", []))


def http_base(http):
    """`host:port` or `http://host:port` -> `http://host:port`."""
    http = str(http)
    return http.rstrip("/") if "://" in http else f"http://{http}"


def http_json(url, timeout=5.0):
    """GET `url` and parse its JSON; SluiceError when it cannot."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        try:
            reason = json.load(error).get("error", error.reason)
        except ValueError:
            reason = error.reason
        raise SluiceError(f"GET {url}: {error.code} {reason}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise SluiceError(f"GET {url}: {error}") from error


# `sluice status` prints a table (tools/cli/client_commands.cc): JOB NAME
# STATE PARTITIONS ROWS-IN ROWS-OUT REJECTED MB/S, the name possibly with
# spaces, so the columns are read from both ends; then indented lines.
def parse_status_table(text):
    """[Progress] of `sluice status` output."""
    jobs = []
    for line in text.splitlines()[2:]:
        if line.startswith("  ") and jobs:
            key, _, value = line.strip().partition(": ")
            if key == "error":
                jobs[-1].error = value
            elif key == "output":
                jobs[-1].output = value
            elif key == "stages":
                jobs[-1].stages = value
            continue
        words = line.split()
        if len(words) < 7:
            continue
        done, _, total = words[-5].partition("/")
        jobs.append(Progress(job_id=words[0], state=words[-6], name=" ".join(words[1:-6]),
                             partitions_done=int(done), partitions_total=int(total),
                             rows_in=int(words[-4]), rows_out=int(words[-3]),
                             rows_rejected=int(words[-2])))
    return jobs


_SUMMARY_HEAD = re.compile(r"^job (\S+) \((.*)\) (\w+)$", re.M)
_SUMMARY_PARTITIONS = re.compile(r"^  partitions\s+(\d+)/(\d+)$", re.M)
_SUMMARY_ROWS = re.compile(
    r"^  rows\s+in (\d+)\s+out (\d+)\s+filtered (\d+)\s+rejected (\d+)$", re.M)
_SUMMARY_OUTPUT = re.compile(r"^  output\s+(.+)$", re.M)
_SUMMARY_ERROR = re.compile(r"^  error\s+(.+)$", re.M)


def parse_summary(text):
    """Progress of the summary `sluice run` and `submit --wait` print
    (tools/cli/progress.cc), or None when there is none."""
    head = _SUMMARY_HEAD.search(text)
    if head is None:
        return None
    progress = Progress(job_id=head.group(1), name=head.group(2), state=head.group(3))
    if partitions := _SUMMARY_PARTITIONS.search(text):
        progress.partitions_done, progress.partitions_total = map(int, partitions.groups())
    if rows := _SUMMARY_ROWS.search(text):
        (progress.rows_in, progress.rows_out, progress.rows_filtered,
         progress.rows_rejected) = map(int, rows.groups())
    if output := _SUMMARY_OUTPUT.search(text):
        progress.output = output.group(1)
    if error := _SUMMARY_ERROR.search(text):
        progress.error = error.group(1)
    return progress
