#!/usr/bin/env python3
"""A Python session driving sluice with a Python UDF (udf.py) in an `exec`
step: make sample data, run the job on 2 local workers, read the rows back.

    python3 examples/python_udf/session.py [--rows N] [--workdir DIR]

Needs the sluice binary (SLUICE_BINARY, PATH, or the repository's
build/tools/sluice) and the package: PYTHONPATH=python."""
import argparse
import collections
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))  # the repository's package

import sluice  # noqa: E402


def job(udf_path):
    """The job, as a dict: paths are relative to the directory it runs in."""
    return {
        "name": "python-udf-borough-hour",
        "input": {"path": "data/parking.csv", "split_size": "256KiB"},
        "steps": [
            {"select": {"summons": '"Summons Number"', "county": '"Violation County"',
                        "time": '"Violation Time"'}},
            # argv, no shell: this interpreter and the UDF, by absolute path.
            {"exec": {"command": [sys.executable, udf_path],
                      "columns": ["summons", "borough", "hour"], "batch_rows": 500,
                      "timeout": "30s"}},
        ],
        "output": {"path": "out/python-udf/", "format": "csv"},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--workdir", default=".")
    args = parser.parse_args()
    os.makedirs(os.path.join(args.workdir, "data"), exist_ok=True)
    binary = sluice.find_binary()
    subprocess.run([binary, "gen", "parking", "--rows", str(args.rows), "--seed", "1", "--out",
                    "data/parking.csv"], cwd=args.workdir, check=True)

    result = sluice.run(job(os.path.join(HERE, "udf.py")), workers=2, cwd=args.workdir)
    print(result)
    by_borough = collections.Counter(row["borough"] for row in result.rows())
    for borough, tickets in by_borough.most_common():
        print(f"{borough:15} {tickets}")
    try:
        frame = result.to_pandas(dtype=str, keep_default_na=False)
        print(frame.groupby("hour").size().sort_values(ascending=False).head(3))
    except ImportError as error:
        print(f"(no pandas: {error})")


if __name__ == "__main__":
    main()
