"""Result.to_pandas with Debian's python3-pandas (skipped without it), and
its message when pandas is missing (always run)."""
import sys
import unittest
from unittest import mock

from support import TicketsTestCase, sluice

try:
    import pandas
except ImportError:
    pandas = None


@unittest.skipIf(pandas is None, "pandas is not installed (apt-get install python3-pandas)")
class ToPandas(TicketsTestCase):
    def test_csv_output_is_one_frame_of_every_part(self):
        result = sluice.run(self.ny_job(), workers=2, cwd=self.dir)
        self.assertGreater(len(result.parts), 1)
        frame = result.to_pandas(dtype=str, keep_default_na=False)
        self.assertEqual(list(frame.columns), ["summons", "street"])
        self.assertEqual(len(frame), result.rows_out)
        self.assertEqual(frame.to_dict("records"), self.expected_ny())

    def test_jsonl_aggregate_reads_typed_counts(self):
        job = {"name": "by-code", "input": {"path": "data/parking.csv", "split_size": "64KiB"},
               "steps": [{"aggregate": {"by": ["Violation Code"],
                                        "aggs": {"tickets": "count(*)"}}}],
               "output": {"path": "out/by-code", "format": "jsonl"}}
        result = sluice.run(job, workers=2, cwd=self.dir)
        frame = result.to_pandas()
        self.assertEqual(int(frame["tickets"].sum()), self.ROWS)
        self.assertTrue(pandas.api.types.is_integer_dtype(frame["tickets"]))

    def test_partition_columns_come_from_the_directories(self):
        job = self.ny_job(output="out/by-initial")
        job["steps"][1]["select"]["initial"] = 'substr("Street Name", 1, 1)'
        job["output"]["partition_by"] = ["initial"]
        result = sluice.run(job, workers=2, cwd=self.dir)
        frame = result.to_pandas(dtype=str, keep_default_na=False)
        self.assertEqual(len(frame), result.rows_out)
        self.assertEqual(sorted(frame.columns), ["initial", "street", "summons"])
        self.assertTrue((frame["initial"] == frame["street"].str[:1]).all())


class WithoutPandas(TicketsTestCase):
    ROWS = 100

    def test_to_pandas_says_how_to_install_it(self):
        result = sluice.run(self.ny_job(), workers=1, cwd=self.dir)
        with mock.patch.dict(sys.modules, {"pandas": None}):
            with self.assertRaises(ImportError) as raised:
                result.to_pandas()
        self.assertIn("python3-pandas", str(raised.exception))
        self.assertEqual(len(list(result.rows())), result.rows_out)


if __name__ == "__main__":
    unittest.main()
