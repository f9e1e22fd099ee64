#!/usr/bin/env python3
"""Fails (exit 3, a message on stderr) the first FAILURES times it is started,
counted in COUNTER_FILE; then behaves like upper.py. Usage: flaky.py COUNTER_FILE FAILURES [COLUMN...]"""
import json
import os
import sys

counter, failures, columns = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
starts = int(open(counter).read() or "0") if os.path.exists(counter) else 0
with open(counter, "w") as f:
    f.write(str(starts + 1))
if starts < failures:
    sys.stdin.readline()
    sys.stderr.write(f"flaky: failing on purpose, start {starts + 1}\n")
    sys.exit(3)
for line in sys.stdin:
    row = json.loads(line)
    for key, value in row.items():
        if isinstance(value, str) and (not columns or key in columns):
            row[key] = value.upper()
    sys.stdout.write(json.dumps(row) + "\n")
    sys.stdout.flush()
