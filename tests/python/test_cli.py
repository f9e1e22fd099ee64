"""The binary's own documentation: an example in every subcommand's --help,
`sluice check`, the bash completion, and what `cmake --install` places
(binary, man page, completion)."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from support import BINARY, SOURCE_DIR, TicketsTestCase

COMPLETION = os.path.join(SOURCE_DIR, "tools", "completion", "sluice.bash")


def sluice_output(*args):
    done = subprocess.run([BINARY, *args], capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def subcommands():
    """The subcommands the top-level --help lists."""
    _, text, _ = sluice_output("--help")
    listed = text.split("ubcommands:\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"(?m)^  ([a-z]+)\s", listed)


class Help(unittest.TestCase):
    def test_every_subcommand_help_ends_with_an_example_of_it(self):
        names = subcommands()
        for expected in ["run", "check", "coordinator", "worker", "submit", "status", "cancel",
                         "verify", "keygen", "gen"]:
            self.assertIn(expected, names)
        for name in names:
            with self.subTest(subcommand=name):
                code, text, _ = sluice_output(name, "--help")
                self.assertEqual(code, 0)
                tail = text.rstrip().split("\n")
                self.assertIn("Example:", tail[-2], text)
                self.assertTrue(tail[-1].strip().startswith(f"sluice {name}"), text)

    def test_the_top_level_help_has_examples_and_exit_codes(self):
        code, text, _ = sluice_output("--help")
        self.assertEqual(code, 0)
        self.assertIn("Examples:\n  sluice run ", text)
        self.assertIn("2 a usage or job-file error", text)


class CheckSubcommand(TicketsTestCase):
    ROWS = 50

    def write(self, name, text):
        with open(self.path(name), "w", encoding="utf-8") as file:
            file.write(text)
        return name

    def run_in_dir(self, *args):
        done = subprocess.run([BINARY, *args], cwd=self.dir, capture_output=True, text=True)
        return done.returncode, done.stdout, done.stderr

    def test_a_valid_job_exits_0_and_runs_nothing(self):
        name = self.write("ok.yaml", "name: ok\ninput: {path: data/parking.csv}\n"
                                     "output: {path: out/ok/}\n")
        code, out, err = self.run_in_dir("check", name)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out, "ok.yaml: valid (job ok)\n")
        self.assertEqual(sorted(os.listdir(self.dir)), ["data", "ok.yaml"])

    def test_an_invalid_job_exits_2_with_the_message_run_gives(self):
        for text, needle in [
                ("name: x\ninput: {path: data/parking.csv}\noutput: {path: o/}\nbogus: 1\n",
                 "bad.yaml:4: bogus: unknown key"),
                ("name: x\ninput: {path: data/missing.csv}\noutput: {path: o/}\n",
                 "data/missing.csv"),
                ("name: x\ninput: {path: data/parking.csv}\nsteps:\n  - filter: \"nope = 1\"\n"
                 "output: {path: o/}\n", 'unknown column "nope"')]:
            with self.subTest(needle=needle):
                name = self.write("bad.yaml", text)
                checked = self.run_in_dir("check", name)
                ran = self.run_in_dir("run", name, "--workers", "1")
                self.assertEqual(checked[0], 2)
                self.assertIn(needle, checked[2])
                self.assertEqual(checked[2], ran[2])
                self.assertEqual(ran[0], 2)

    def test_a_missing_file_exits_2(self):
        code, _, err = self.run_in_dir("check", "nothing.yaml")
        self.assertEqual(code, 2)
        self.assertIn("nothing.yaml", err)


class Completion(unittest.TestCase):
    def complete(self, *words):
        """What _sluice offers for the command line `sluice WORDS…` (the last
        word being completed), in a bash that sourced the script."""
        line = " ".join(["sluice", *words])
        script = (f"source {COMPLETION}\n"
                  f"COMP_WORDS=({' '.join(repr(w) for w in [BINARY, *words])})\n"
                  f"COMP_CWORD={len(words)}\nCOMP_LINE={line!r}\n"
                  "_sluice\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                              cwd=SOURCE_DIR)
        self.assertEqual(done.returncode, 0, done.stderr)
        return [word for word in done.stdout.split("\n") if word]

    def test_subcommands_options_and_values_complete(self):
        self.assertEqual(self.complete("ch"), ["check"])
        self.assertEqual(sorted(self.complete("")), sorted(subcommands()))
        self.assertIn("--workers", self.complete("run", "job.yaml", "--w"))
        self.assertIn("--coordinator", self.complete("submit", "--"))
        self.assertEqual(self.complete("gen", "r"), ["registrations"])
        self.assertEqual(self.complete("--log-format", "j"), ["json"])
        self.assertIn("examples/w1-nj-ford-police.yaml",
                      self.complete("run", "examples/w1"))


@unittest.skipIf(shutil.which("cmake") is None or not os.environ.get("SLUICE_BUILD_DIR"),
                 "needs cmake and SLUICE_BUILD_DIR (ctest sets it)")
class Install(unittest.TestCase):
    def test_cmake_install_places_binary_man_page_and_completion(self):
        prefix = tempfile.mkdtemp(prefix="sluice-install-")
        self.addCleanup(shutil.rmtree, prefix)
        done = subprocess.run(["cmake", "--install", os.environ["SLUICE_BUILD_DIR"], "--prefix",
                               prefix], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        binary = os.path.join(prefix, "bin", "sluice")
        self.assertTrue(os.access(binary, os.X_OK))
        self.assertEqual(subprocess.run([binary, "--version"], capture_output=True,
                                        text=True).stdout.split()[0], "sluice")
        with open(os.path.join(prefix, "share", "man", "man1", "sluice.1")) as file:
            page = file.read()
        self.assertRegex(page, r'(?m)^\.TH SLUICE "1"')
        for name in subcommands():
            self.assertIn(f'.SS "sluice {name}"', page)
        self.assertIn("Example:", page)
        self.assertIn(".SH \"EXIT STATUS\"", page)
        self.assertNotIn(os.environ["SLUICE_BUILD_DIR"], page)
        with open(os.path.join(prefix, "share", "bash-completion", "completions",
                               "sluice")) as file:
            self.assertIn("complete -F _sluice sluice", file.read())
        if shutil.which("man"):
            rendered = subprocess.run(["man", "-l", os.path.join(prefix, "share", "man", "man1",
                                                                 "sluice.1")],
                                      capture_output=True, text=True,
                                      env=dict(os.environ, MANPAGER="cat", MANWIDTH="100"))
            self.assertEqual(rendered.returncode, 0, rendered.stderr)
            self.assertIn("sluice run", rendered.stdout)


if __name__ == "__main__":
    unittest.main()
