#!/usr/bin/env python3
"""W1, W2, W3 as the plain Python generator pipelines of the article
("Writing memory efficient data pipelines in Python"): csv.reader streams
rows, chained generator expressions filter and transform them, csv.writer
pulls them into the output. W3 folds the stream into a Counter. Columns are
found by name in the header (the article uses fixed indexes; its address
joins the vehicle make by mistake, here it is the registration state as the
workload says).

    generators.py w1|w2|w3 INPUT.csv OUT.csv
"""

import csv
import sys
from collections import Counter
from datetime import datetime


def open_stream(path):
    read_file_object = open(path, "r", newline="", encoding="utf-8")
    extractor = csv.reader(read_file_object)
    header = next(extractor)
    return header, extractor


def open_loader(path):
    write_file_object = open(path, "w", newline="", encoding="utf-8")
    return write_file_object, csv.writer(write_file_object, delimiter=",", quotechar='"',
                                         quoting=csv.QUOTE_MINIMAL, lineterminator="\n")


def w1(input_path, output_path):
    header, extractor = open_stream(input_path)
    index = {name: i for i, name in enumerate(header)}
    state, make, agency = index["Registration State"], index["Vehicle Make"], index["Issuing Agency"]
    house, street = index["House Number"], index["Street Name"]
    # 1. keep only required fields
    col_filtered_stream = ([row[state], row[make], row[agency], row[house], row[street]]
                           for row in extractor)
    # 2. police tickets to NJ FORDs
    value_filtered_stream = filter(lambda x: x[0] == "NJ" and x[1] == "FORD" and x[2] == "P",
                                   col_filtered_stream)
    # 3. replace P with police
    transformed_stream = ([s[0], s[1], "police", s[3], s[4]] for s in value_filtered_stream)
    # 4. one address field
    final_stream = ([s[1], s[2], ", ".join([s[3], s[4], s[0]])] for s in transformed_stream)
    out, loader = open_loader(output_path)
    with out:
        loader.writerow(["vehicle_make", "issuing_agency", "address"])
        loader.writerows(final_stream)


def get_days_until_expiration(row, issue, expiration):
    try:
        issue_date = datetime.strptime(row[issue][:10], "%Y-%m-%d")
        vehicle_expiration_date = datetime.strptime(row[expiration].split(".")[0], "%Y%m%d")
        return (vehicle_expiration_date - issue_date).days
    except ValueError:
        return -1


def w2(input_path, output_path):
    header, extractor = open_stream(input_path)
    issue, expiration = header.index("Issue Date"), header.index("Vehicle Expiration Date")
    final_stream = (row + [get_days_until_expiration(row, issue, expiration)] for row in extractor)
    out, loader = open_loader(output_path)
    with out:
        loader.writerow(header + ["days_until_expiration"])
        loader.writerows(final_stream)


def w3(input_path, output_path):
    header, extractor = open_stream(input_path)
    state, code = header.index("Registration State"), header.index("Violation Code")
    counts = Counter((row[state], row[code]) for row in extractor)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0], item[0][1]))
    out, loader = open_loader(output_path)
    with out:
        loader.writerow(["registration_state", "violation_code", "count"])
        loader.writerows([s, c, n] for (s, c), n in ordered)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("w1", "w2", "w3"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    {"w1": w1, "w2": w2, "w3": w3}[sys.argv[1]](sys.argv[2], sys.argv[3])
