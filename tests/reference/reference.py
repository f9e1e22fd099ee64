#!/usr/bin/env python3
"""Reference implementations of the three example workloads, for checking sluice.

Independent of sluice on purpose: one straightforward single pass over the
input with Python's csv module, standard library only, written the way the
article "Writing memory efficient data pipelines in Python" does it. The
acceptance tests compare sluice's output (its part files concatenated in name
order) byte for byte with what this writes.

    reference.py w1 INPUT OUT.csv     NJ + FORD + agency P; vehicle_make,issuing_agency,address
    reference.py w2 INPUT OUT.csv     all columns + days_until_expiration (-1 when not a date)
    reference.py w3 INPUT OUT.csv     count per (Registration State, Violation Code)
    reference.py w5 INPUT OUT.csv     every record by issue date, summons number (ties: input order)
    reference.py count INPUT          number of data records

Input: CSV with a header row, RFC 4180 quoting (quoted fields may hold commas,
doubled quotes and newlines). Output: csv.writer with minimal quoting and '\\n'
line ends, a header row first. Records whose field count differs from the
header's are skipped and counted on stderr (sluice sends them to rejects).
"""

import csv
import sys
from collections import Counter
from datetime import datetime

W1_HEADER = ["vehicle_make", "issuing_agency", "address"]
W3_HEADER = ["registration_state", "violation_code", "count"]


class Input:
    """Iterates the data records of a CSV file, skipping malformed ones."""

    def __init__(self, path):
        self.path = path
        self.file = open(path, "r", newline="", encoding="utf-8")
        self.reader = csv.reader(self.file)
        self.header = next(self.reader, None)
        if self.header is None:
            raise ValueError(f"{path}: empty file, no header row")
        self.index = {name: i for i, name in enumerate(self.header)}
        self.records_skipped = 0

    def column(self, name):
        if name not in self.index:
            raise ValueError(f"{self.path}: no column {name!r}")
        return self.index[name]

    def __iter__(self):
        width = len(self.header)
        for record in self.reader:
            if len(record) != width:
                self.records_skipped += 1
                continue
            yield record

    def close(self):
        self.file.close()
        if self.records_skipped:
            print(f"{self.path}: skipped {self.records_skipped} records with a wrong field count",
                  file=sys.stderr)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_writer(path):
    out = open(path, "w", newline="", encoding="utf-8")
    return out, csv.writer(out, delimiter=",", quotechar='"', quoting=csv.QUOTE_MINIMAL,
                           lineterminator="\n")


def w1(input_path, output_path):
    """Police (P) tickets for NJ FORDs: vehicle_make, issuing_agency='police', address.

    address = ", ".join([House Number, Street Name, Registration State]), empty
    strings included as they are (so an empty House Number gives ", BROADWAY, NJ").
    Returns the number of rows written.
    """
    rows = 0
    with Input(input_path) as data:
        state = data.column("Registration State")
        make = data.column("Vehicle Make")
        agency = data.column("Issuing Agency")
        house = data.column("House Number")
        street = data.column("Street Name")
        out, writer = open_writer(output_path)
        with out:
            writer.writerow(W1_HEADER)
            for record in data:
                if record[state] == "NJ" and record[make] == "FORD" and record[agency] == "P":
                    address = ", ".join([record[house], record[street], record[state]])
                    writer.writerow([record[make], "police", address])
                    rows += 1
    return rows


def days_until_expiration(issue_date, expiration_date):
    """Days from Issue Date[:10] (%Y-%m-%d) to Vehicle Expiration Date (%Y%m%d); -1 if
    either is not a real date (0, 88888888, 20180231, empty, ...)."""
    try:
        issued = datetime.strptime(issue_date[:10], "%Y-%m-%d").date()
        expires = datetime.strptime(expiration_date, "%Y%m%d").date()
    except ValueError:
        return -1
    return (expires - issued).days


def w2(input_path, output_path):
    """Every column unchanged plus days_until_expiration. Returns rows written."""
    rows = 0
    with Input(input_path) as data:
        issue = data.column("Issue Date")
        expiration = data.column("Vehicle Expiration Date")
        out, writer = open_writer(output_path)
        with out:
            writer.writerow(data.header + ["days_until_expiration"])
            for record in data:
                record.append(days_until_expiration(record[issue], record[expiration]))
                writer.writerow(record)
                rows += 1
    return rows


def count_by_state_and_code(input_path):
    """Counter of (Registration State, Violation Code) -> records."""
    counts = Counter()
    with Input(input_path) as data:
        state = data.column("Registration State")
        code = data.column("Violation Code")
        for record in data:
            counts[(record[state], record[code])] += 1
    return counts


def w3(input_path, output_path):
    """Count per (Registration State, Violation Code), sorted by count descending,
    then state and code ascending as strings. Returns the number of groups."""
    counts = count_by_state_and_code(input_path)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0], item[0][1]))
    out, writer = open_writer(output_path)
    with out:
        writer.writerow(W3_HEADER)
        for (state, code), count in ordered:
            writer.writerow([state, code, count])
    return len(ordered)


def w5(input_path, output_path):
    """Every record, every column, sorted by Issue Date then Summons Number
    ascending (as strings, bytewise), equal records in input order. Returns
    the number of rows."""
    with Input(input_path) as data:
        header = data.header
        date = data.column("Issue Date")
        summons = data.column("Summons Number")
        rows = [list(record) for record in data]
    rows.sort(key=lambda row: (row[date].encode("utf-8"), row[summons].encode("utf-8")))
    out, writer = open_writer(output_path)
    with out:
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def count(input_path):
    """Number of well-formed data records (the header is not counted)."""
    with Input(input_path) as data:
        return sum(1 for _ in data)


USAGE = """usage: reference.py w1|w2|w3|w5 INPUT OUT.csv
       reference.py count INPUT"""


def main(argv):
    commands = {"w1": w1, "w2": w2, "w3": w3, "w5": w5}
    if len(argv) == 3 and argv[1] == "count":
        print(count(argv[2]))
        return 0
    if len(argv) == 4 and argv[1] in commands:
        written = commands[argv[1]](argv[2], argv[3])
        print(f"{argv[1]}: wrote {written} rows to {argv[3]}", file=sys.stderr)
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
