#!/usr/bin/env python3
"""An exec step program: reads JSON lines, upper-cases the string values of the
columns named on the command line (all string columns when none), writes one
JSON line back per line read, in order."""
import json
import sys

columns = sys.argv[1:]
for line in sys.stdin:
    row = json.loads(line)
    for key, value in row.items():
        if isinstance(value, str) and (not columns or key in columns):
            row[key] = value.upper()
    sys.stdout.write(json.dumps(row) + "\n")
    sys.stdout.flush()
