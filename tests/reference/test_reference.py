#!/usr/bin/env python3
"""Tests of reference.py on a small hand-written input. Run: python3 -m unittest
discover -s tests/reference (standard library only)."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402

COLUMNS = [
    "Summons Number", "Plate ID", "Registration State", "Plate Type", "Issue Date",
    "Violation Code", "Vehicle Body Type", "Vehicle Make", "Issuing Agency", "Street Code1",
    "Street Code2", "Street Code3", "Vehicle Expiration Date", "Violation Location",
    "Violation Precinct", "Issuer Precinct", "Issuer Code", "Issuer Command", "Issuer Squad",
    "Violation Time", "Time First Observed", "Violation County",
    "Violation In Front Of Or Opposite", "House Number", "Street Name", "Intersecting Street",
    "Date First Observed", "Law Section", "Sub Division", "Violation Legal Code",
    "Days Parking In Effect    ", "From Hours In Effect", "To Hours In Effect", "Vehicle Color",
    "Unregistered Vehicle?", "Vehicle Year", "Meter Number", "Feet From Curb",
    "Violation Post Code", "Violation Description", "No Standing or Stopping Violation",
    "Hydrant Violation", "Double Parking Violation",
]


def record(state, make, agency, house, street, issue="2017-07-01T00:00:00.000",
           expiration="20170711", code="21"):
    fields = [""] * len(COLUMNS)
    values = {"Registration State": state, "Vehicle Make": make, "Issuing Agency": agency,
              "House Number": house, "Street Name": street, "Issue Date": issue,
              "Vehicle Expiration Date": expiration, "Violation Code": code}
    for name, value in values.items():
        fields[COLUMNS.index(name)] = value
    return fields


def to_csv(rows):
    def encode(field):
        if any(c in field for c in ',"\n'):
            return '"' + field.replace('"', '""') + '"'
        return field
    return "".join(",".join(encode(f) for f in row) + "\n" for row in rows)


class ReferenceTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.input = os.path.join(self.dir.name, "in.csv")
        self.output = os.path.join(self.dir.name, "out.csv")
        rows = [
            COLUMNS,
            record("NJ", "FORD", "P", "330", "7th Ave"),
            record("NJ", "FORD", "P", "", 'BROADWAY\n"NEAR" W 43rd St, N/B', code="38"),
            record("NJ", "FORD", "T", "1", "W 4th St", expiration="88888888"),
            record("NY", "FORD", "P", "45-12", "Queens Blvd", expiration="20180231", code="38"),
            record("NJ", "TOYOT", "P", "2", "Canal St", expiration="0"),
        ]
        with open(self.input, "w", newline="") as f:
            f.write(to_csv(rows))
            f.write("too,few,fields\n")

    def tearDown(self):
        self.dir.cleanup()

    def read_output(self):
        with open(self.output, newline="") as f:
            return f.read()

    def test_count_skips_malformed_records(self):
        self.assertEqual(reference.count(self.input), 5)

    def test_w1_keeps_nj_ford_police_and_joins_address(self):
        self.assertEqual(reference.w1(self.input, self.output), 2)
        self.assertEqual(self.read_output(),
                         "vehicle_make,issuing_agency,address\n"
                         'FORD,police,"330, 7th Ave, NJ"\n'
                         'FORD,police,", BROADWAY\n""NEAR"" W 43rd St, N/B, NJ"\n')

    def test_w2_appends_days_or_minus_one(self):
        self.assertEqual(reference.w2(self.input, self.output), 5)
        lines = self.read_output().split("\n")
        self.assertTrue(lines[0].endswith("Double Parking Violation,days_until_expiration"))
        self.assertTrue(lines[1].endswith(",,,,10"))
        days = [reference.days_until_expiration("2017-07-01T00:00:00.000", e)
                for e in ["20170711", "88888888", "20180231", "0", "", "20170630"]]
        # The day before issue is a real -1, as in the article: -1 is ambiguous there.
        self.assertEqual(days, [10, -1, -1, -1, -1, -1])

    def test_w3_counts_sorted_by_count_then_keys(self):
        self.assertEqual(reference.w3(self.input, self.output), 3)
        self.assertEqual(self.read_output(),
                         "registration_state,violation_code,count\n"
                         "NJ,21,3\n"
                         "NJ,38,1\n"
                         "NY,38,1\n")


if __name__ == "__main__":
    unittest.main()
