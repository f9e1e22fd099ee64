"""What the Python package's tests share: the binary under test, the
package on sys.path, temporary directories with generated tickets.

ctest passes SLUICE_BINARY (the built binary) and SLUICE_SOURCE_DIR; run by
hand: SLUICE_BINARY=build/tools/sluice python3 -m unittest discover -s tests/python"""
import csv
import os
import random
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = os.environ.get("SLUICE_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE_DIR, "python"))

import sluice  # noqa: E402

BINARY = sluice.find_binary()


def seed_for(test):
    """A random seed, printed (seed=N) so a failure replays with SLUICE_SEED=N."""
    seed = int(os.environ.get("SLUICE_SEED") or random.randrange(1, 2**31))
    print(f"\n{test.id()}: seed={seed}", file=sys.stderr)
    return seed


class TicketsTestCase(unittest.TestCase):
    """Each test in a fresh directory holding data/parking.csv (`sluice gen
    parking`, ROWS rows of a printed seed); jobs run there (cwd=self.dir)."""

    ROWS = 3000

    def setUp(self):
        self._directory = tempfile.TemporaryDirectory(prefix="sluice-pytest-")
        self.dir = self._directory.name
        self.addCleanup(self._directory.cleanup)
        self.seed = seed_for(self)
        os.makedirs(os.path.join(self.dir, "data"))
        self.sluice("gen", "parking", "--rows", str(self.ROWS), "--seed", str(self.seed),
                    "--out", "data/parking.csv")

    def sluice(self, *args):
        """Runs the binary in self.dir; returns its stdout (fails the test on error)."""
        done = subprocess.run([BINARY, *args], cwd=self.dir, capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def tickets(self):
        """The input's rows, read with the csv module (the reference)."""
        with open(self.path("data", "parking.csv"), newline="", encoding="utf-8") as file:
            return list(csv.DictReader(file))

    def ny_job(self, output="out/ny", output_format="csv", **extra):
        """NY tickets' summons and street, in small splits (several parts)."""
        job = {"name": f"ny-{output_format}",
               "input": {"path": "data/parking.csv", "split_size": "64KiB"},
               "steps": [{"filter": "\"Registration State\" = 'NY'"},
                         {"select": {"summons": '"Summons Number"',
                                     "street": '"Street Name"'}}],
               "output": {"path": output, "format": output_format}}
        job.update(extra)
        return job

    def expected_ny(self):
        return [{"summons": row["Summons Number"], "street": row["Street Name"]}
                for row in self.tickets() if row["Registration State"] == "NY"]
