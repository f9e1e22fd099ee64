"""sluice.submit, Job.status/wait/cancel and LocalCluster against a real
coordinator and real workers on loopback."""
import textwrap
import unittest

from support import TicketsTestCase, sluice


class Submit(TicketsTestCase):
    def setUp(self):
        super().setUp()
        self.cluster = sluice.LocalCluster(workers=2)
        self.addCleanup(self.cluster.close)

    def test_submit_and_wait_gives_the_result_and_progress(self):
        job = self.cluster.submit(self.ny_job(), cwd=self.dir)
        self.assertTrue(job.created)
        self.assertRegex(job.job_id, "^[0-9a-f]{16}$")
        seen = []
        result = job.wait(progress=seen.append, timeout=120, poll_seconds=0.05)
        self.assertEqual(seen[-1].state, "succeeded")
        self.assertEqual(seen[-1].partitions_done, seen[-1].partitions_total)
        self.assertEqual(result.job_id, job.job_id)
        self.assertEqual(list(result.rows()), self.expected_ny())
        status = job.status()
        self.assertEqual((status.state, status.rows_out, status.rows_in),
                         ("succeeded", result.rows_out, self.ROWS))

    def test_the_same_job_submitted_again_is_the_same_job(self):
        first = sluice.submit(self.ny_job(), coordinator=self.cluster.coordinator,
                              http=self.cluster.http, cwd=self.dir)
        first.wait(timeout=120)
        again = sluice.submit(self.ny_job(), coordinator=self.cluster.coordinator, cwd=self.dir)
        self.assertEqual(again.job_id, first.job_id)
        self.assertFalse(again.created)

    def test_status_without_http_comes_from_the_cli(self):
        job = sluice.submit(self.ny_job(), coordinator=self.cluster.coordinator, cwd=self.dir)
        self.assertIsNone(job.http)
        result = job.wait(timeout=120, poll_seconds=0.05)  # `sluice status` polled
        status = job.status()
        self.assertEqual(status.state, "succeeded")
        self.assertEqual(status.rows_out, result.rows_out)
        self.assertEqual(status.rows_rejected, 0)
        self.assertEqual(status.output.rstrip("/"), str(result.output))
        self.assertEqual(status.name, "ny-csv")

    def test_cancel_stops_a_running_job(self):
        # 0.1 s a row: the job would take ~2 min. Its partitions are small
        # (8 KiB, ~40 rows) because a worker notices an abort between the
        # reader's batches, not within an exec step's run over one.
        with open(self.path("hang.py"), "w", encoding="utf-8") as file:
            file.write(textwrap.dedent("""\
                import sys, time
                for line in sys.stdin:
                    time.sleep(0.1)
                    sys.stdout.write(line)
                    sys.stdout.flush()
                """))
        job_spec = self.ny_job(output="out/hang")
        job_spec["input"]["split_size"] = "8KiB"
        job_spec["steps"].append({"exec": {"command": ["python3", "hang.py"], "batch_rows": 1}})
        job = self.cluster.submit(job_spec, cwd=self.dir)
        self.assertEqual(job.status().state, "running")
        self.assertEqual(job.cancel(), "cancelled")
        with self.assertRaises(sluice.SluiceError) as raised:
            job.wait(timeout=60)
        self.assertIn("cancelled", raised.exception.message)
        self.assertEqual(job.status().state, "cancelled")

    def test_a_bad_job_is_refused_at_submission_with_exit_2(self):
        with self.assertRaises(sluice.SluiceError) as raised:
            self.cluster.submit(self.ny_job(output_format="xml"), cwd=self.dir)
        self.assertEqual(raised.exception.exit_code, 2)
        self.assertIn("xml", raised.exception.message)

    def test_wait_gives_up_after_its_timeout_and_the_job_goes_on(self):
        with open(self.path("slow.py"), "w", encoding="utf-8") as file:
            file.write("import sys, time\nfor line in sys.stdin:\n    time.sleep(0.002)\n"
                       "    sys.stdout.write(line)\n    sys.stdout.flush()\n")
        job_spec = self.ny_job(output="out/slow")
        job_spec["steps"].append({"exec": {"command": ["python3", "slow.py"], "batch_rows": 10}})
        job = self.cluster.submit(job_spec, cwd=self.dir)
        with self.assertRaises(sluice.SluiceError) as raised:
            job.wait(timeout=0.2)
        self.assertIn("still running", raised.exception.message)
        result = job.wait(timeout=120)
        self.assertEqual(list(result.rows()), self.expected_ny())


if __name__ == "__main__":
    unittest.main()
