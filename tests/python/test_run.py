"""sluice.run and sluice.check against the real binary, on generated tickets."""
import gzip
import os
import textwrap
import unittest
from unittest import mock

from support import BINARY, TicketsTestCase, sluice


class Run(TicketsTestCase):
    def test_dict_job_gives_the_rows_python_computes(self):
        result = sluice.run(self.ny_job(), workers=2, cwd=self.dir)
        expected = self.expected_ny()
        self.assertEqual(list(result.rows()), expected)
        self.assertEqual(result.rows_out, len(expected))
        self.assertEqual(result.rows_in, self.ROWS)
        self.assertEqual(result.rows_in,
                         result.rows_out + result.rows_filtered + result.rows_rejected)
        self.assertGreater(len(result.parts), 1)
        self.assertEqual(sum(rows for _, rows in result.part_rows()), len(expected))
        self.assertEqual(result.output, __import__("pathlib").Path(self.path("out", "ny")))
        self.assertEqual(result.format, "csv")
        self.assertRegex(result.job_id, "^[0-9a-f]{16}$")

    def test_job_file_path_and_jsonl_output(self):
        with open(self.path("ny.yaml"), "w", encoding="utf-8") as file:
            file.write(textwrap.dedent("""\
                name: ny-file
                input: {path: data/parking.csv, split_size: 64KiB}
                steps:
                  - filter: "\\"Registration State\\" = 'NY'"
                  - select: {summons: "\\"Summons Number\\"", street: "\\"Street Name\\""}
                output: {path: out/ny-jsonl/, format: jsonl, compression: gzip}
                """))
        result = sluice.run(self.path("ny.yaml"), workers=2, cwd=self.dir)
        self.assertEqual(result.compression, "gzip")
        self.assertTrue(all(str(part).endswith(".jsonl.gz") for part in result.parts))
        with gzip.open(result.parts[0], "rt") as file:
            self.assertTrue(file.readline().startswith('{"summons":'))
        self.assertEqual(list(result.rows()), self.expected_ny())

    def test_rows_of_parquet_or_zstd_output_say_what_to_do(self):
        for output_format, compression, needle in [("parquet", "snappy", "to_pandas()"),
                                                   ("jsonl", "zstd", "compression: gzip")]:
            with self.subTest(format=output_format):
                job = self.ny_job(output=f"out/{output_format}", output_format=output_format)
                job["output"]["compression"] = compression
                result = sluice.run(job, workers=1, cwd=self.dir)
                self.assertEqual((result.format, result.compression),
                                 (output_format, None if compression == "snappy" else "zstd"))
                with self.assertRaises(sluice.SluiceError) as raised:
                    next(result.rows())
                self.assertIn(needle, raised.exception.message)

    def test_relative_paths_of_a_dict_resolve_against_cwd(self):
        os.makedirs(self.path("elsewhere"))
        previous = os.getcwd()
        os.chdir(self.path("elsewhere"))
        self.addCleanup(os.chdir, previous)
        with self.assertRaises(sluice.SluiceError) as raised:
            sluice.run(self.ny_job(), workers=1)  # ./data/parking.csv is not here
        self.assertEqual(raised.exception.exit_code, 2)
        self.assertIn("data/parking.csv", raised.exception.message)
        result = sluice.run(self.ny_job(), workers=1, cwd=self.dir)
        self.assertTrue(str(result.output).startswith(self.dir))

    def test_running_it_again_publishes_nothing_new(self):
        first = sluice.run(self.ny_job(), workers=2, cwd=self.dir)
        again = sluice.run(self.ny_job(), workers=2, cwd=self.dir)
        self.assertEqual(again.job_id, first.job_id)
        self.assertEqual(again.manifest, first.manifest)

    def test_rejects_are_counted_and_readable(self):
        job = self.ny_job(schema={"on_error": "reject",
                                  "columns": {"Violation Code": {"type": "int32", "max": 40}}})
        result = sluice.run(job, workers=2, cwd=self.dir)
        over = sum(1 for row in self.tickets() if int(row["Violation Code"]) > 40)
        self.assertGreater(over, 0)
        self.assertEqual(result.rows_rejected, over)
        rejected = list(result.reject_rows())
        self.assertEqual(len(rejected), over)
        self.assertIn('"Violation Code"', rejected[0]["reason"])
        self.assertEqual(result.rows_in,
                         result.rows_out + result.rows_filtered + result.rows_rejected)

    def test_aggregate_counts_match_python(self):
        job = {"name": "by-state", "input": {"path": "data/parking.csv", "split_size": "64KiB"},
               "steps": [{"aggregate": {"by": ["Registration State"],
                                        "aggs": {"tickets": "count(*)"}}}],
               "output": {"path": "out/by-state", "format": "jsonl"}}
        result = sluice.run(job, workers=2, cwd=self.dir)
        counted = {row["Registration State"]: int(row["tickets"]) for row in result.rows()}
        expected = {}
        for row in self.tickets():
            expected[row["Registration State"]] = expected.get(row["Registration State"], 0) + 1
        self.assertEqual(counted, expected)

    def test_partitioned_output_rows_carry_their_partition_column(self):
        job = self.ny_job(output="out/by-street")
        job["steps"][1]["select"]["initial"] = 'substr("Street Name", 1, 1)'
        job["output"]["partition_by"] = ["initial"]
        result = sluice.run(job, workers=2, cwd=self.dir)
        self.assertEqual(result.partition_by, ["initial"])
        rows = list(result.rows())
        self.assertEqual(len(rows), len(self.expected_ny()))
        for row in rows:
            self.assertEqual(row["initial"], row["street"][:1] or None)

    def test_progress_is_reported_while_it_runs_and_at_the_end(self):
        # A slow UDF (80 ms a batch of 50 rows) keeps the job running ~2 s
        # (the HTTP API redraws its page every 0.5 s).
        with open(self.path("slow.py"), "w", encoding="utf-8") as file:
            file.write(textwrap.dedent("""\
                import sys, time
                for number, line in enumerate(sys.stdin):
                    if number % 50 == 0:
                        time.sleep(0.08)
                    sys.stdout.write(line)
                    sys.stdout.flush()
                """))
        job = self.ny_job(output="out/slow")
        job["steps"].append({"exec": {"command": ["python3", "slow.py"], "batch_rows": 50}})
        seen = []
        result = sluice.run(job, workers=2, cwd=self.dir, progress=seen.append,
                            poll_seconds=0.05)
        running = [p for p in seen if p.state == "running"]
        self.assertTrue(running, f"no progress while running; saw {seen}")
        self.assertTrue(all(p.partitions_total == running[0].partitions_total for p in running))
        self.assertLessEqual(running[0].partitions_done, running[-1].partitions_done)
        final = seen[-1]
        self.assertEqual(final.state, "succeeded")
        self.assertEqual(final.job_id, result.job_id)
        self.assertEqual(final.fraction, 1.0)
        self.assertEqual(final.rows_out, result.rows_out)
        self.assertEqual(list(result.rows()), self.expected_ny())

    def test_a_timeout_stops_the_run_and_its_job_stays_cancelled(self):
        with open(self.path("slow.py"), "w", encoding="utf-8") as file:
            file.write("import sys, time\nfor line in sys.stdin:\n    time.sleep(0.01)\n"
                       "    sys.stdout.write(line)\n    sys.stdout.flush()\n")
        job = self.ny_job(output="out/slow")
        job["input"]["split_size"] = "8KiB"  # a worker sees the cancel between partitions
        job["steps"].append({"exec": {"command": ["python3", "slow.py"], "batch_rows": 5}})
        with self.assertRaises(sluice.SluiceError) as raised:
            sluice.run(job, workers=2, cwd=self.dir, timeout=1.0)
        self.assertIn("did not end within 1.0 s", raised.exception.message)
        self.assertFalse(os.path.exists(self.path("out", "slow", "_SUCCESS")))
        with self.assertRaises(sluice.SluiceError) as again:
            sluice.run(job, workers=2, cwd=self.dir)
        self.assertEqual(again.exception.exit_code, 1)
        self.assertIn("cancelled", again.exception.message)

    def test_a_job_file_error_raises_the_binary_message_and_exit_2(self):
        job = self.ny_job()
        job["steps"][0] = {"filter": "\"Regstration State\" = 'NY'"}
        with self.assertRaises(sluice.SluiceError) as raised:
            sluice.run(job, workers=1, cwd=self.dir)
        error = raised.exception
        self.assertEqual(error.exit_code, 2)
        self.assertIn('unknown column "Regstration State"', error.message)
        self.assertIn("did you mean", error.message)
        self.assertIn("Regstration", error.job_text)
        self.assertFalse(os.path.exists(self.path("out", "ny")))

    def test_json_logs_in_the_environment_do_not_change_the_messages(self):
        job = self.ny_job(bogus=1)
        with mock.patch.dict(os.environ, {"SLUICE_LOG_FORMAT": "json"}):
            with self.assertRaises(sluice.SluiceError) as raised:
                sluice.run(job, workers=1, cwd=self.dir)
        self.assertEqual(raised.exception.message, "<job dict>:22: bogus: unknown key")
        self.assertEqual(str(raised.exception), "[exit status 2] <job dict>:22: bogus: unknown key")

    def test_a_failing_job_raises_exit_1_with_its_reason(self):
        job = self.ny_job(schema={"on_error": "fail",
                                  "columns": {"Violation Code": {"type": "int32", "max": 40}}})
        for progress in [None, lambda p: None]:  # progress: --http and its notice on stderr
            with self.subTest(progress=progress is not None):
                with self.assertRaises(sluice.SluiceError) as raised:
                    sluice.run(job, workers=2, cwd=self.dir, progress=progress)
                self.assertEqual(raised.exception.exit_code, 1)
                self.assertRegex(raised.exception.message, "^job [0-9a-f]{16} failed: ")
                self.assertIn("Violation Code", raised.exception.message)

    def test_a_job_is_a_path_or_a_dict(self):
        with self.assertRaises(TypeError):
            sluice.run(["not", "a", "job"])


class Check(TicketsTestCase):
    ROWS = 100

    def test_a_valid_job_checks_and_runs_nothing(self):
        self.assertTrue(sluice.check(self.ny_job(), cwd=self.dir))
        self.assertFalse(os.path.exists(self.path("out")))
        self.assertFalse(os.path.exists(self.path(".sluice")))

    def test_an_invalid_job_gives_the_same_message_as_run(self):
        job = self.ny_job(bogus=1)
        with self.assertRaises(sluice.SluiceError) as checked:
            sluice.check(job, cwd=self.dir)
        with self.assertRaises(sluice.SluiceError) as ran:
            sluice.run(job, cwd=self.dir)
        self.assertEqual(checked.exception.exit_code, 2)
        self.assertIn("<job dict>:22: bogus: unknown key", checked.exception.message)
        self.assertEqual(checked.exception.message, ran.exception.message)


class FindBinary(unittest.TestCase):
    def test_an_explicit_binary_that_is_missing_is_an_error(self):
        with self.assertRaises(sluice.SluiceError) as raised:
            sluice.find_binary("/nonexistent/sluice")
        self.assertIn("/nonexistent/sluice", str(raised.exception))

    def test_the_binary_under_test_is_found(self):
        self.assertEqual(sluice.find_binary(BINARY), BINARY)

    def test_a_relative_binary_path_is_made_absolute(self):
        previous = os.getcwd()
        os.chdir(os.path.dirname(BINARY))
        self.addCleanup(os.chdir, previous)
        self.assertEqual(sluice.find_binary("./" + os.path.basename(BINARY)), BINARY)
        with mock.patch.dict(os.environ, {"SLUICE_BINARY": "./" + os.path.basename(BINARY)}):
            self.assertEqual(sluice.find_binary(), BINARY)


if __name__ == "__main__":
    unittest.main()
