"""scripts/check-includes.py: the real tree follows its library graph; a copy
of it with a planted include of an undeclared library, or with a cycle
planted in a CMakeLists.txt's DEPENDS, fails and names the fault."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = os.environ.get(
    "SLUICE_SOURCE_DIR",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCRIPT = os.path.join(SOURCE_DIR, "scripts", "check-includes.py")
FOLDERS = ("common", "coordinator", "worker", "proto", "tools")


def check(root):
    done = subprocess.run([sys.executable, SCRIPT, "--root", root],
                          capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


class CheckIncludes(unittest.TestCase):
    def setUp(self):
        self.tree = tempfile.mkdtemp(prefix="check-includes-")
        self.addCleanup(shutil.rmtree, self.tree)
        ignore = shutil.ignore_patterns("*.md", "*.capnp", "*.bash", "*.h2m", "*.sh")
        for folder in FOLDERS:
            shutil.copytree(os.path.join(SOURCE_DIR, folder),
                            os.path.join(self.tree, folder), ignore=ignore)

    def plant(self, relative_path, after_line, text):
        path = os.path.join(self.tree, relative_path)
        with open(path) as source:
            lines = source.read().split("\n")
        lines.insert(after_line, text)
        with open(path, "w") as source:
            source.write("\n".join(lines))
        return after_line + 1  # the planted line's number

    def test_the_real_tree_passes(self):
        status, output = check(SOURCE_DIR)
        self.assertEqual(status, 0, output)
        self.assertIn("no cycle", output)

    def test_the_copy_passes_before_anything_is_planted(self):
        status, output = check(self.tree)
        self.assertEqual(status, 0, output)

    def test_an_include_of_a_higher_library_fails_naming_file_and_line(self):
        # io is below job: a reader of bytes must not know the job's planning.
        line = self.plant("common/io/byte_source.h", 3, '#include "common/job/inputs.h"')
        status, output = check(self.tree)
        self.assertEqual(status, 1, output)
        self.assertIn(f"common/io/byte_source.h:{line}: includes common/job/inputs.h "
                      "of library job, which io does not depend on", output)

    def test_an_include_of_a_library_not_declared_fails_even_if_reachable(self):
        # csv depends on io, which depends on base and spec: csv must still
        # name what it includes (the check is not transitive) — expr it does not.
        line = self.plant("common/csv/writer.cc", 1, '#include "common/expr/types.h"')
        status, output = check(self.tree)
        self.assertEqual(status, 1, output)
        self.assertIn(f"common/csv/writer.cc:{line}: includes common/expr/types.h", output)

    def test_coordinator_including_worker_fails(self):
        line = self.plant("coordinator/planner.cc", 1, '#include "worker/task_runner.h"')
        status, output = check(self.tree)
        self.assertEqual(status, 1, output)
        self.assertIn(f"coordinator/planner.cc:{line}: includes worker/task_runner.h "
                      "of library worker, which coordinator does not depend on", output)

    def test_a_cycle_in_the_declared_graph_fails_naming_it(self):
        path = os.path.join(self.tree, "common", "io", "CMakeLists.txt")
        with open(path) as cmake:
            text = cmake.read()
        self.assertIn("sluice_folder_library(io DEPENDS base", text)
        with open(path, "w") as cmake:
            cmake.write(text.replace("sluice_folder_library(io DEPENDS base",
                                     "sluice_folder_library(io DEPENDS job base"))
        status, output = check(self.tree)
        self.assertEqual(status, 1, output)
        self.assertRegex(output, r"the library graph has a cycle: (\w+ -> )+\w+")
        cycle = output.split("has a cycle: ", 1)[1].split("\n", 1)[0].split(" -> ")
        self.assertEqual(cycle[0], cycle[-1])
        self.assertIn("io", cycle)
        self.assertIn("job", cycle)

    def test_an_unknown_dependency_fails(self):
        path = os.path.join(self.tree, "common", "csv", "CMakeLists.txt")
        with open(path) as cmake:
            text = cmake.read()
        with open(path, "w") as cmake:
            cmake.write(text.replace("DEPENDS base", "DEPENDS nosuchlib base"))
        status, output = check(self.tree)
        self.assertEqual(status, 1, output)
        self.assertIn("csv DEPENDS on nosuchlib, which no sluice_folder_library declares",
                      output)


if __name__ == "__main__":
    unittest.main()
