#!/usr/bin/env python3
"""A Python UDF for sluice's `exec` step (docs/REFERENCE.md, "exec"): JSON
lines in on stdin, one JSON line out per row, in order, flushed.

For each ticket it names the borough of its "Violation County" code and
reads the hour of day out of its "Violation Time" ("0634A" is 06:34 AM,
"1215P" is 12:15 PM): logic that is a few lines of Python and awkward as
a SQL expression. Rows it cannot read keep a null hour, never an error.

`borough_of` and `hour_of` are plain functions: session.py and the tests
import them to check sluice's output against the same code run in-process."""
import json
import sys

BOROUGHS = {"NY": "Manhattan", "MN": "Manhattan", "K": "Brooklyn", "BK": "Brooklyn",
            "Q": "Queens", "QN": "Queens", "BX": "Bronx", "R": "Staten Island",
            "ST": "Staten Island"}


def borough_of(county):
    """The borough of a Violation County code, or "unknown"."""
    return BOROUGHS.get((county or "").strip().upper(), "unknown")


def hour_of(time_text):
    """The hour (0-23) of an "HHMMA"/"HHMMP" violation time, or None."""
    text = (time_text or "").strip().upper()
    if len(text) != 5 or not text[:4].isdigit() or text[4] not in "AP":
        return None
    hour = int(text[:2])
    if not 0 <= hour <= 12:  # 00 is written for 12 AM too
        return None
    return hour % 12 + (12 if text[4] == "P" else 0)


def main():
    for line in sys.stdin:
        row = json.loads(line)
        answer = {"summons": row["summons"], "borough": borough_of(row["county"]),
                  "hour": hour_of(row["time"])}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
