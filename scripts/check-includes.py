#!/usr/bin/env python3
"""Checks that every #include follows the library graph the CMake files declare.

Each library is declared once, in its folder's CMakeLists.txt:

    sluice_folder_library(io DEPENDS base spec expr LIBRARIES CURL::libcurl)
    sluice_folder_executable(sluice FOLDER tools DEPENDS coordinator worker ...)

The folder of a library is its CMakeLists.txt's directory, or FOLDER. A
source file belongs to the library whose folder is the longest prefix of its
path. This script fails, naming file:line, when a .h or .cc under common/,
coordinator/, worker/, proto/ or tools/ includes a header of another
library that its own library does not name in DEPENDS. Dependencies are not
transitive: a library names every library it includes, even one that a
library it names already depends on. It also fails when DEPENDS names an
unknown library, and when the graph has a cycle (naming it).

Usage: check-includes.py [--root DIR] [--graph]
  --root DIR  the source tree (default: this script's repository)
  --graph     print each library with its dependencies, lowest first
Exit 0 when the tree follows the graph, 1 otherwise (each fault on stderr).
"""

import argparse
import os
import re
import sys

CHECKED_ROOTS = ("common", "coordinator", "worker", "proto", "tools")
DECLARATIONS = ("sluice_folder_library", "sluice_folder_dependencies",
                "sluice_folder_executable")
KEYWORDS = ("FOLDER", "SOURCES", "DEPENDS", "LIBRARIES")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


class Library:
    def __init__(self, name, folder, depends, where):
        self.name = name
        self.folder = folder
        self.depends = depends
        self.where = where  # CMakeLists.txt:line


def strip_cmake_comments(text):
    return "\n".join(line.split("#", 1)[0] for line in text.split("\n"))


def read_declarations(root, faults):
    """Every sluice_folder_library/sluice_folder_executable call under root."""
    libraries = {}
    call = re.compile(r"\b(" + "|".join(DECLARATIONS) + r")\s*\(([^)]*)\)", re.S)
    for top in CHECKED_ROOTS:
        for directory, dirs, files in os.walk(os.path.join(root, top)):
            dirs.sort()
            if "CMakeLists.txt" not in files:
                continue
            path = os.path.join(directory, "CMakeLists.txt")
            relative_dir = os.path.relpath(directory, root)
            text = strip_cmake_comments(open(path, encoding="utf-8").read())
            for match in call.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                where = f"{os.path.relpath(path, root)}:{line}"
                tokens = match.group(2).split()
                if not tokens:
                    faults.append(f"{where}: {match.group(1)} without a name")
                    continue
                name, values, keyword = tokens[0], {k: [] for k in KEYWORDS}, None
                for token in tokens[1:]:
                    if token in KEYWORDS:
                        keyword = token
                    elif keyword is not None:
                        values[keyword].append(token)
                folder = values["FOLDER"][0] if values["FOLDER"] else relative_dir
                if name in libraries:
                    faults.append(f"{where}: library {name} declared twice "
                                  f"(also {libraries[name].where})")
                    continue
                libraries[name] = Library(name, folder.rstrip("/"), values["DEPENDS"], where)
    return libraries


def library_of(path, by_folder):
    """The library whose folder is the longest prefix of `path`'s directory."""
    directory = os.path.dirname(path)
    while directory:
        if directory in by_folder:
            return by_folder[directory]
        directory = os.path.dirname(directory)
    return None


def find_cycle(libraries):
    """A cycle of the DEPENDS graph as a list of names (first == last), or None."""
    state = {}  # name -> 1 on the stack, 2 done
    stack = []

    def visit(name):
        state[name] = 1
        stack.append(name)
        for dependency in libraries[name].depends:
            if dependency not in libraries:
                continue
            if state.get(dependency) == 1:
                return stack[stack.index(dependency):] + [dependency]
            if dependency not in state:
                cycle = visit(dependency)
                if cycle:
                    return cycle
        stack.pop()
        state[name] = 2
        return None

    for name in sorted(libraries):
        if name not in state:
            cycle = visit(name)
            if cycle:
                return cycle
    return None


def check_includes(root, libraries, faults):
    by_folder = {library.folder: library for library in libraries.values()}
    files = 0
    for top in CHECKED_ROOTS:
        for directory, dirs, names in os.walk(os.path.join(root, top)):
            dirs.sort()
            for file_name in sorted(names):
                if not file_name.endswith((".h", ".cc")):
                    continue
                files += 1
                path = os.path.relpath(os.path.join(directory, file_name), root)
                owner = library_of(path, by_folder)
                if owner is None:
                    faults.append(f"{path}: in no library (no sluice_folder_library "
                                  f"declares its folder)")
                    continue
                with open(os.path.join(root, path), encoding="utf-8") as source:
                    for number, line in enumerate(source, 1):
                        match = INCLUDE.match(line)
                        if not match or "/" not in match.group(1):
                            continue
                        header = match.group(1)
                        if not header.startswith(tuple(top + "/" for top in CHECKED_ROOTS)):
                            continue
                        target = library_of(header, by_folder)
                        if target is None:
                            faults.append(f"{path}:{number}: includes {header}, which is in "
                                          f"no library")
                        elif target is not owner and target.name not in owner.depends:
                            faults.append(
                                f"{path}:{number}: includes {header} of library "
                                f"{target.name}, which {owner.name} does not depend on "
                                f"(DEPENDS in {owner.where})")
    return files


def lowest_first(libraries):
    order, done = [], set()

    def visit(name):
        if name in done or name not in libraries:
            return
        done.add(name)
        for dependency in libraries[name].depends:
            visit(dependency)
        order.append(name)

    for name in sorted(libraries):
        visit(name)
    return order


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    parser.add_argument("--graph", action="store_true")
    arguments = parser.parse_args()
    faults = []
    libraries = read_declarations(arguments.root, faults)
    for library in libraries.values():
        for dependency in library.depends:
            if dependency not in libraries:
                faults.append(f"{library.where}: {library.name} DEPENDS on {dependency}, "
                              f"which no sluice_folder_library declares")
    cycle = find_cycle(libraries)
    if cycle:
        faults.append("the library graph has a cycle: " + " -> ".join(cycle))
    files = check_includes(arguments.root, libraries, faults)
    if arguments.graph:
        for name in lowest_first(libraries):
            library = libraries[name]
            print(f"{name:12} {library.folder:16} -> {' '.join(library.depends) or '(none)'}")
    for fault in faults:
        print(f"check-includes: {fault}", file=sys.stderr)
    if faults:
        print(f"check-includes: {len(faults)} fault(s) in {files} files", file=sys.stderr)
        return 1
    print(f"check-includes: {files} files in {len(libraries)} libraries follow the graph; "
          f"no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
