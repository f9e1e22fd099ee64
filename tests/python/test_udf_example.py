"""examples/python_udf: the session script run as a user would, and every
output row checked against udf.py's functions run in-process."""
import csv
import os
import subprocess
import sys
import unittest

from support import BINARY, SOURCE_DIR, TicketsTestCase, sluice

EXAMPLE = os.path.join(SOURCE_DIR, "examples", "python_udf")
sys.path.insert(0, EXAMPLE)

import session  # noqa: E402
import udf  # noqa: E402


class PythonUdf(TicketsTestCase):
    def test_every_row_is_what_udf_py_computes(self):
        result = sluice.run(session.job(os.path.join(EXAMPLE, "udf.py")), workers=2,
                            cwd=self.dir)
        self.assertGreater(len(result.parts), 1)
        expected = [{"summons": row["Summons Number"],
                     "borough": udf.borough_of(row["Violation County"]),
                     "hour": "" if udf.hour_of(row["Violation Time"]) is None
                     else str(udf.hour_of(row["Violation Time"]))}
                    for row in self.tickets()]
        self.assertEqual(list(result.rows()), expected)
        self.assertIn("Manhattan", {row["borough"] for row in expected})

    def test_the_session_script_runs_as_documented(self):
        env = dict(os.environ, SLUICE_BINARY=BINARY)
        done = subprocess.run([sys.executable, os.path.join(EXAMPLE, "session.py"), "--rows",
                               "2000", "--workdir", self.dir], capture_output=True, text=True,
                              env=env)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("<sluice.Result python-udf-borough-hour", done.stdout)
        with open(self.path("data", "parking.csv"), newline="") as file:
            counties = [row["Violation County"] for row in csv.DictReader(file)]
        manhattan = sum(udf.borough_of(county) == "Manhattan" for county in counties)
        self.assertRegex(done.stdout, rf"(?m)^Manhattan\s+{manhattan}$")


class UdfFunctions(unittest.TestCase):
    def test_hours_and_boroughs(self):
        self.assertEqual([udf.hour_of(text) for text in ["0634A", "1215P", "1205A", "0100P",
                                                         "9999A", "", None, "0634"]],
                         [6, 12, 0, 13, None, None, None, None])
        self.assertEqual(udf.borough_of("BX"), "Bronx")
        self.assertEqual(udf.borough_of(None), "unknown")


if __name__ == "__main__":
    unittest.main()
