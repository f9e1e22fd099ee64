"""The output of a finished job, read through its _MANIFEST.json."""

import csv
import gzip
import io
import json
import os
from pathlib import Path
from urllib.parse import unquote

from ._binary import SluiceError

_HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"


def _open_text(path):
    """A part file as text: plain, or gzip; zstd is not in the standard library."""
    name = str(path)
    if name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    if name.endswith(".zst"):
        raise SluiceError(f"{name}: zstd-compressed output cannot be read with the standard "
                          "library; write it with compression: gzip or none, or decompress "
                          "it with `zstd -d`")
    return open(path, encoding="utf-8", newline="")


def _partition_values(file_name):
    """{column: value} of a Hive-style path `a=1/b=x%2Fy/part-00000.csv`;
    __HIVE_DEFAULT_PARTITION__ (NULL or empty) is None."""
    values = {}
    for directory in Path(file_name).parts[:-1]:
        column, _, value = directory.partition("=")
        value = unquote(value)
        values[unquote(column)] = None if value == _HIVE_NULL else value
    return values


class Result:
    """A job's output directory and its manifest.

    Attributes: `output` (Path), `manifest` (the parsed _MANIFEST.json),
    `job_id`, `name`, `rows_in`, `rows_out`, `rows_filtered`,
    `rows_rejected`, `parts` (paths of the part files in name order, which
    is the row order), `rejects` (paths of the reject files), `format`
    (csv, jsonl or parquet), `compression` (None, gzip or zstd),
    `partition_by` (the Hive partition columns, or []), `summary` (what the
    binary printed, for `run`)."""

    def __init__(self, output, summary=""):
        self.output = Path(output)
        manifest_path = self.output / "_MANIFEST.json"
        try:
            with open(manifest_path, encoding="utf-8") as file:
                self.manifest = json.load(file)
        except OSError as error:
            raise SluiceError(f"{manifest_path}: cannot read the manifest: {error.strerror}")
        self.summary = summary
        manifest = self.manifest
        self.job_id = manifest.get("job_id") or (manifest.get("job_ids") or [None])[-1]
        self.name = manifest.get("name")
        self.rows_in = manifest["rows_in"]
        self.rows_out = manifest["rows_out"]
        self.rows_filtered = manifest["rows_filtered"]
        self.rows_rejected = manifest["rows_rejected"]
        self.partition_by = list(manifest.get("partition_by", []))
        self._parts = sorted(manifest["parts"], key=lambda part: part["file"])
        self.parts = [self.output / part["file"] for part in self._parts]
        self.rejects = sorted(self.output / entry["file"] for entry in manifest["rejects"])
        extension = manifest.get("extension", ".csv").lstrip(".").split(".")
        self.format = extension[0]
        self.compression = {"gz": "gzip", "zst": "zstd"}.get(extension[-1]) if len(
            extension) > 1 else None

    def __repr__(self):
        return (f"<sluice.Result {self.name} job={self.job_id} rows_out={self.rows_out} "
                f"rows_rejected={self.rows_rejected} parts={len(self.parts)} "
                f"output={str(self.output)!r}>")

    def part_rows(self):
        """[(path, rows)] of every part, as the manifest counts them."""
        return [(self.output / part["file"], part["rows"]) for part in self._parts]

    def rows(self):
        """Every output row as a dict, in part order. CSV values are strings
        (a NULL is ''), JSON Lines values as json.loads reads them. Partition
        columns (output.partition_by) come from the directory names."""
        if self.format == "parquet":
            raise SluiceError("rows() reads CSV and JSON Lines output; this job wrote Parquet: "
                              "use to_pandas() (needs pyarrow) or write format: csv or jsonl")
        for part in self._parts:
            path = self.output / part["file"]
            extra = _partition_values(part["file"])
            with _open_text(path) as file:
                if self.format == "jsonl":
                    for line in file:
                        if line.strip():
                            yield {**json.loads(line), **extra}
                else:
                    for row in csv.DictReader(file):
                        yield {**row, **extra}

    def reject_rows(self):
        """Every rejected record as a dict: source_file, offset, reason, record."""
        for path in self.rejects:
            with _open_text(path) as file:
                yield from csv.DictReader(file)

    def to_pandas(self, **read_options):
        """The output as one pandas DataFrame (rows in part order). CSV parts
        are read with pandas.read_csv(**read_options) (pass dtype=str to keep
        text), JSON Lines with read_json(lines=True), Parquet with
        read_parquet (pandas needs pyarrow or fastparquet for it). Partition
        columns are added from the directory names, as strings."""
        try:
            import pandas
        except ImportError as error:
            raise ImportError("Result.to_pandas() needs pandas: apt-get install python3-pandas "
                              "(Debian) or pip install pandas; Result.rows() needs nothing"
                              ) from error
        readers = {
            "csv": lambda path: pandas.read_csv(path, **read_options),
            "jsonl": lambda path: pandas.read_json(path, lines=True, **read_options),
            "parquet": lambda path: pandas.read_parquet(path, **read_options),
        }
        frames = []
        for part in self._parts:
            path = self.output / part["file"]
            if self.compression == "zstd" and self.format != "parquet":
                _open_text(path)  # raises the explanation
            frame = readers[self.format](os.fspath(path))
            for column, value in _partition_values(part["file"]).items():
                frame[column] = value
            frames.append(frame)
        if not frames:
            return pandas.DataFrame()
        return pandas.concat(frames, ignore_index=True)
