#!/usr/bin/env python3
"""The program of examples/exec-street-suffix.yaml: reads JSON lines (one ticket per
line) on stdin and answers one JSON line per ticket, in order, with the
street name's abbreviated suffix spelled out (ST -> STREET, AVE -> AVENUE).
Any language works the same way: read a line, write a line, flush."""
import json
import sys

SUFFIXES = {"ST": "STREET", "AVE": "AVENUE", "AV": "AVENUE", "BLVD": "BOULEVARD",
            "RD": "ROAD", "PL": "PLACE", "DR": "DRIVE", "PKWY": "PARKWAY"}

for line in sys.stdin:
    row = json.loads(line)
    street = row.get("street") or ""
    words = street.split(" ")
    if words and words[-1].upper() in SUFFIXES:
        words[-1] = SUFFIXES[words[-1].upper()]
    row["street"] = " ".join(words) if street else row.get("street")
    sys.stdout.write(json.dumps(row) + "\n")
    sys.stdout.flush()
