"""sluice.sql: a thin wrapper over `sluice sql QUERY --out … --format …
--workers …`. Skipped, saying so, while the binary has no `sql` subcommand."""
import subprocess
import unittest

from support import BINARY, TicketsTestCase, sluice


def sql_subcommand_missing():
    # `sluice sql --help` would print the top-level help when `sql` is unknown.
    done = subprocess.run([BINARY, "sql"], capture_output=True, text=True)
    return done.returncode != 0 and "unknown subcommand" in done.stderr


@unittest.skipIf(sql_subcommand_missing(),
                 "this sluice binary has no `sql` subcommand (unknown subcommand 'sql')")
class Sql(TicketsTestCase):
    def test_a_query_gives_the_rows_python_counts(self):
        result = sluice.sql(
            "SELECT \"Registration State\" AS state, count(*) AS tickets "
            "FROM 'data/parking.csv' GROUP BY \"Registration State\"",
            out="out/sql", format="csv", workers=2, cwd=self.dir)
        counted = {row["state"]: int(row["tickets"]) for row in result.rows()}
        expected = {}
        for row in self.tickets():
            expected[row["Registration State"]] = expected.get(row["Registration State"], 0) + 1
        self.assertEqual(counted, expected)


class SqlWithoutTheSubcommand(unittest.TestCase):
    @unittest.skipUnless(sql_subcommand_missing(), "the binary has a `sql` subcommand")
    def test_an_unknown_subcommand_raises_exit_2(self):
        with self.assertRaises(sluice.SluiceError) as raised:
            sluice.sql("SELECT 1")
        self.assertEqual(raised.exception.exit_code, 2)
        self.assertIn("unknown subcommand 'sql'", raised.exception.message)


if __name__ == "__main__":
    unittest.main()
