#!/usr/bin/env python3
"""W1, W2, W3 with pandas in chunks (read_csv(chunksize=...)), the way the
articles do it for files larger than memory: every column as text (dtype=str,
no NA parsing, so an empty field stays ''), each chunk filtered/derived and
appended to the output; W3 sums per-chunk group counts.

    pandas_chunks.py w1|w2|w3 INPUT.csv OUT.csv [--chunksize N]
"""

import argparse
import csv

import pandas as pd

W1_COLUMNS = ["vehicle_make", "issuing_agency", "address"]


def chunks(path, chunksize, usecols=None):
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                       chunksize=chunksize, usecols=usecols)


def write(frame, out, header):
    frame.to_csv(out, index=False, header=header, lineterminator="\n",
                 quoting=csv.QUOTE_MINIMAL)


def w1(path, output, chunksize):
    columns = ["Registration State", "Vehicle Make", "Issuing Agency", "House Number",
               "Street Name"]
    with open(output, "w", newline="", encoding="utf-8") as out:
        out.write(",".join(W1_COLUMNS) + "\n")
        for chunk in chunks(path, chunksize, usecols=columns):
            kept = chunk[(chunk["Registration State"] == "NJ") & (chunk["Vehicle Make"] == "FORD")
                         & (chunk["Issuing Agency"] == "P")]
            frame = pd.DataFrame({
                "vehicle_make": kept["Vehicle Make"],
                "issuing_agency": "police",
                "address": kept["House Number"] + ", " + kept["Street Name"] + ", "
                + kept["Registration State"],
            })
            write(frame, out, header=False)


def w2(path, output, chunksize):
    header = True
    with open(output, "w", newline="", encoding="utf-8") as out:
        for chunk in chunks(path, chunksize):
            issued = pd.to_datetime(chunk["Issue Date"].str.slice(0, 10), format="%Y-%m-%d",
                                    errors="coerce")
            expires = pd.to_datetime(chunk["Vehicle Expiration Date"], format="%Y%m%d",
                                     errors="coerce")
            days = (expires - issued).dt.days
            chunk["days_until_expiration"] = days.fillna(-1).astype("int64")
            write(chunk, out, header=header)
            header = False


def w3(path, output, chunksize):
    total = None
    for chunk in chunks(path, chunksize, usecols=["Registration State", "Violation Code"]):
        counts = chunk.groupby(["Registration State", "Violation Code"]).size()
        total = counts if total is None else total.add(counts, fill_value=0)
    frame = total.astype("int64").rename("count").reset_index()
    frame.columns = ["registration_state", "violation_code", "count"]
    frame = frame.sort_values(["count", "registration_state", "violation_code"],
                              ascending=[False, True, True])
    with open(output, "w", newline="", encoding="utf-8") as out:
        write(frame, out, header=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=["w1", "w2", "w3"])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--chunksize", type=int, default=100_000)
    args = parser.parse_args()
    {"w1": w1, "w2": w2, "w3": w3}[args.workload](args.input, args.output, args.chunksize)


if __name__ == "__main__":
    main()
