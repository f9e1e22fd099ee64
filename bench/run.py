#!/usr/bin/env python3
"""End-to-end benchmark: sluice against the tools a user would pick instead.

Generates the synthetic parking-violations file with `sluice gen parking`,
then runs W1, W2, W3 (and W4 with --workloads ...,w4; examples/) through
sluice (`sluice run --workers 2`, and 1 for the scaling figure) and through
the peers in bench/peers/: Polars (nodejs-polars, 2 threads), DuckDB
(@duckdb/node-api, 2 threads; duckdb-256mb: the same under
memory_limit='256MB'), pandas in chunks and the article's plain Python
generator pipeline (these two have no W4 and are skipped for it). Every
tool reads the same file with the page cache warm (each runs once untimed
first); that untimed run's output is checked row for row against the
generator pipeline's (W1-W3) or DuckDB's (W4, and there byte for byte). Each figure is the median of --runs timed runs, taken in
rounds over the tools (A, B, C, A, B, C, ...) so that drift of the machine
weighs on all alike.

Memory is sampled every ~20 ms from /proc/PID/status: RssAnon and RssFile
separately, per process and summed over the process tree. For sluice the
`sluice run` process is the coordinator and its children are the workers.

    bash bench/setup.sh && python3 bench/run.py --rows 1000000

Standard library only (the pandas peer runs under Debian's /usr/bin/python3).
"""

import argparse
import csv
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
PEERS_DIR = BENCH_DIR / "peers"
WORKLOADS = ["w1", "w2", "w3", "w4", "w5", "w6"]
DEFAULT_WORKLOADS = ["w1", "w2", "w3"]
EXAMPLES = {
    "w1": REPO_DIR / "examples" / "w1-nj-ford-police.yaml",
    "w2": REPO_DIR / "examples" / "w2-days-until-expiration.yaml",
    "w3": REPO_DIR / "examples" / "w3-count-by-state-code.yaml",
    "w4": REPO_DIR / "examples" / "w4-tickets-per-plate.yaml",
    "w5": REPO_DIR / "examples" / "w5-sort-by-date.yaml",
    "w6": REPO_DIR / "examples" / "w6-tickets-registrations.yaml",
}
PEERS = ["polars", "duckdb", "duckdb-256mb", "pandas", "generators"]
DEFAULT_PEERS = ["polars", "duckdb", "pandas", "generators"]
# The workloads a peer implements; it is skipped (and says so) for the others.
PEER_WORKLOADS = {"pandas": {"w1", "w2", "w3"}, "generators": {"w1", "w2", "w3"}}
# Whose output the others are checked against: the first of these that runs.
# W1-W3: the generator pipeline (the same as tests/reference/reference.py);
# W4-W6: DuckDB (its COPY is the reference query).
REFERENCES = {w: ["duckdb", "duckdb-256mb"] for w in ("w4", "w5", "w6")}
DEFAULT_REFERENCES = ["generators"]
# Rows compared as a set (the job's order is partial) rather than in order.
# W6: a join gives its rows in no order the query asks for. W5: DuckDB's sort
# is not stable, so rows with equal keys (18 pairs in 10M rows) come in
# another order than sluice's (input order); tests/reference checks W5's
# order, the runner the rows as a set.
UNORDERED = {"w3", "w5", "w6"}
# Data rows must be byte-identical to the reference's (W4's order is total and
# both write plain CSV), not only equal as parsed values.
EXACT_BYTES = {"w4"}
SAMPLE_SECONDS = 0.02
csv.field_size_limit(1 << 30)


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- memory

def read_status(pid):
    """(RssAnon, RssFile) in bytes, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            text = status.read()
    except OSError:
        return None
    anon = file = 0
    for line in text.split(b"\n"):
        if line.startswith(b"RssAnon:"):
            anon = int(line.split()[1]) * 1024
        elif line.startswith(b"RssFile:"):
            file = int(line.split()[1]) * 1024
    return anon, file


def parent_of(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read()
    except OSError:
        return None
    # pid (comm) state ppid ...: comm may hold spaces and parentheses.
    return int(text[text.rindex(b")") + 2:].split()[1])


def thread_cpu_ticks(pid):
    """{tid: utime + stime in clock ticks} for every thread of `pid`."""
    ticks = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return ticks
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", "rb") as stat:
                text = stat.read()
        except OSError:
            continue
        fields = text[text.rindex(b")") + 2:].split()
        ticks[int(tid)] = int(fields[11]) + int(fields[12])
    return ticks


class TreeSampler(threading.Thread):
    """Samples the memory of a process and its descendants until stopped.

    Keeps, per pid, the peak RssAnon and RssFile; for the tree, the peak of
    the sums taken at the same instant; and the last CPU ticks of every
    thread of the root (the coordinator's threads for `sluice run`)."""

    def __init__(self, root_pid):
        super().__init__(daemon=True)
        self.root = root_pid
        self.tree = {root_pid}
        self.not_tree = set()
        self.peak = {}  # pid -> [anon, file]
        self.peak_tree_anon = 0
        self.peak_tree_file = 0
        self.root_threads = {}
        self.samples = 0
        self.stopping = threading.Event()

    def discover(self):
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            if pid in self.tree or pid in self.not_tree:
                continue
            parent = parent_of(pid)
            if parent in self.tree:
                self.tree.add(pid)
            elif parent is not None:
                self.not_tree.add(pid)

    def sample(self):
        self.discover()
        anon_sum = file_sum = 0
        for pid in list(self.tree):
            status = read_status(pid)
            if status is None:
                continue
            anon, file = status
            peak = self.peak.setdefault(pid, [0, 0])
            peak[0] = max(peak[0], anon)
            peak[1] = max(peak[1], file)
            anon_sum += anon
            file_sum += file
        self.peak_tree_anon = max(self.peak_tree_anon, anon_sum)
        self.peak_tree_file = max(self.peak_tree_file, file_sum)
        threads = thread_cpu_ticks(self.root)
        if threads:
            self.root_threads.update(threads)
        self.samples += 1

    def run(self):
        while not self.stopping.is_set():
            self.sample()
            self.stopping.wait(SAMPLE_SECONDS)

    def stop(self):
        self.stopping.set()
        self.join()


def measure(command, cwd=None, env=None):
    """Runs `command`, sampling its process tree. Returns a dict of figures;
    raises when it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    sampler = TreeSampler(process.pid)
    sampler.start()
    # Reap with wait4 for the rusage of the whole tree (children it waited for).
    out_chunks, err_chunks = [], []
    readers = [threading.Thread(target=lambda s=s, b=b: b.append(s.read()), daemon=True)
               for s, b in ((process.stdout, out_chunks), (process.stderr, err_chunks))]
    for reader in readers:
        reader.start()
    _, wait_status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(wait_status)
    sampler.stop()
    for reader in readers:
        reader.join()
    stderr = b"".join(err_chunks).decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} exited {process.returncode}:\n{stderr}")
    children = {pid: peak for pid, peak in sampler.peak.items() if pid != process.pid}
    root_peak = sampler.peak.get(process.pid, [0, 0])
    ticks = os.sysconf("SC_CLK_TCK")
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_anon": sampler.peak_tree_anon,
        "peak_file": sampler.peak_tree_file,
        "root_peak_anon": root_peak[0],
        "root_peak_file": root_peak[1],
        "children_peak_anon": [peak[0] for peak in children.values()],
        "children_peak_file": [peak[1] for peak in children.values()],
        "root_thread_cpu_seconds": sorted((t / ticks for t in sampler.root_threads.values()),
                                          reverse=True),
        "samples": sampler.samples,
        "stdout": b"".join(out_chunks).decode(errors="replace"),
        "stderr": stderr,
    }


# ---------------------------------------------------------------- outputs

def csv_rows(paths, skip_header_each):
    """Rows of the CSV files in order; the first row of each file is the
    header: yielded once (from the first file) or skipped."""
    first = True
    for path in paths:
        with open(path, newline="", encoding="utf-8") as data:
            reader = csv.reader(data)
            header = next(reader, None)
            if header is not None and first:
                yield ("header", header)
            first = False
            for row in reader:
                yield ("row", row)


def digest(paths, sort_rows):
    """(header, rows, sha256 of the data rows as text): W1/W2 in order, W3
    sorted. Values are compared as the text the CSV holds."""
    header = None
    rows = []
    hasher = hashlib.sha256()
    count = 0
    for kind, row in csv_rows(paths, True):
        if kind == "header":
            header = row
            continue
        count += 1
        line = "\x1f".join(row).encode()
        if sort_rows:
            rows.append(line)
        else:
            hasher.update(line + b"\x1e")
    if sort_rows:
        for line in sorted(rows):
            hasher.update(line + b"\x1e")
    return header, count, hasher.hexdigest()


def data_bytes_digest(paths):
    """(bytes, sha256) of the files' data lines as they are on disk: each
    file after its first line (the header), concatenated in order."""
    hasher = hashlib.sha256()
    total = 0
    for path in paths:
        with open(path, "rb") as data:
            data.readline()
            while True:
                block = data.read(1 << 20)
                if not block:
                    break
                hasher.update(block)
                total += len(block)
    return total, hasher.hexdigest()


def manifest_partitions(out_dir):
    """Partitions the job ran, from its _MANIFEST.json."""
    try:
        manifest = json.loads((Path(out_dir) / "_MANIFEST.json").read_text())
    except (OSError, ValueError):
        return None
    return len(manifest.get("partitions", []))


# ---------------------------------------------------------------- tools

class Bench:
    def __init__(self, args):
        self.args = args
        self.data_dir = Path(args.data_dir).resolve()
        self.work_dir = self.data_dir / "work"
        self.sluice = Path(args.sluice).resolve()
        self.node_env = dict(os.environ, NODE_PATH=str(BENCH_DIR / "node_modules"),
                             POLARS_MAX_THREADS=str(args.threads), DUCKDB_THREADS=str(args.threads))
        self.pandas_python = args.pandas_python

    def input_path(self, rows):
        return self.data_dir / f"parking-{rows}.csv"

    def generate(self, rows):
        path = self.input_path(rows)
        if path.exists() and path.stat().st_size > 0:
            return path
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log(f"generating {rows} rows -> {path}")
        partial = path.with_suffix(".csv.partial")
        subprocess.run([str(self.sluice), "gen", "parking", "--rows", str(rows), "--seed", "1",
                        "--out", str(partial)], check=True)
        partial.rename(path)
        return path

    def registrations_path(self, rows):
        """W6's right side: registrations for the tickets of seed 1, half as many rows."""
        path = self.data_dir / f"registrations-{rows // 2}.csv"
        if path.exists() and path.stat().st_size > 0:
            return path
        log(f"generating {rows // 2} registrations -> {path}")
        partial = path.with_suffix(".csv.partial")
        subprocess.run([str(self.sluice), "gen", "registrations", "--rows", str(rows // 2),
                        "--seed", "1", "--out", str(partial)], check=True)
        partial.rename(path)
        return path

    def rows_of(self, input_path):
        return int(Path(input_path).stem.split("-")[-1])

    def job_file(self, workload, input_path, out_dir, split_size):
        text = EXAMPLES[workload].read_text()
        if workload == "w6":
            right = self.registrations_path(self.rows_of(input_path))
            text = re.sub(r"(?m)^(\s+path: )data/registrations\.csv$",
                          lambda m: f"{m.group(1)}{right}", text)
        text = re.sub(r"(?m)^(  path: ).*$", lambda m: f"{m.group(1)}{input_path}", text, count=1)
        text = re.sub(r"(?m)^(output:\n  path: ).*$", lambda m: f"{m.group(1)}{out_dir}/", text)
        text = re.sub(r"(?m)^(  split_size: ).*$", lambda m: f"{m.group(1)}{split_size}", text)
        job = self.work_dir / f"{workload}-{split_size}.yaml"
        job.write_text(text)
        return job

    def run_sluice(self, workload, input_path, workers, split_size):
        out_dir = self.work_dir / f"out-sluice-{workload}"
        state_dir = self.work_dir / f"state-sluice-{workload}"
        for path in (out_dir, state_dir):
            shutil.rmtree(path, ignore_errors=True)
        job = self.job_file(workload, input_path, out_dir, split_size)
        command = [str(self.sluice), "run", str(job), "--workers", str(workers), "--state",
                   str(state_dir), "--no-progress"]
        result = measure(command, cwd=self.work_dir)
        result["command"] = " ".join(command)
        result["outputs"] = sorted(str(p) for p in out_dir.glob("part-*.csv"))
        result["partitions"] = manifest_partitions(out_dir)
        return result

    def run_peer(self, peer, workload, input_path):
        output = self.work_dir / f"out-{peer}-{workload}.csv"
        if output.exists():
            output.unlink()
        if peer == "polars":
            command = ["node", str(PEERS_DIR / "polars.js"), workload, str(input_path), str(output)]
            env = self.node_env
        elif peer == "duckdb":
            command = ["node", str(PEERS_DIR / "duckdb.js"), workload, str(input_path), str(output)]
            env = self.node_env
        elif peer == "duckdb-256mb":
            # DuckDB under SET memory_limit='256MB' (spills to a temp directory).
            command = ["node", str(PEERS_DIR / "duckdb.js"), workload, str(input_path), str(output)]
            env = dict(self.node_env, DUCKDB_MEMORY_LIMIT="256MB",
                       DUCKDB_TEMP_DIRECTORY=str(self.work_dir / f"duckdb-tmp-{workload}"))
            shutil.rmtree(env["DUCKDB_TEMP_DIRECTORY"], ignore_errors=True)
        elif peer == "pandas":
            command = [self.pandas_python, str(PEERS_DIR / "pandas_chunks.py"), workload,
                       str(input_path), str(output)]
            env = None
        elif peer == "generators":
            command = [sys.executable, str(PEERS_DIR / "generators.py"), workload, str(input_path),
                       str(output)]
            env = None
        else:
            raise ValueError(peer)
        if workload == "w6":
            command.append(str(self.registrations_path(self.rows_of(input_path))))
        result = measure(command, cwd=self.work_dir, env=env)
        result["command"] = " ".join(command)
        result["outputs"] = [str(output)]
        return result

    def run_wc(self, input_path):
        return measure(["wc", "-l", str(input_path)])


def median_run(run, runs):
    """Runs `run` once untimed (warm cache; its result is returned for the
    check), then `runs` times; the median of each figure."""
    warm = run()
    load_before = os.getloadavg()[0]
    timed = [run() for _ in range(runs)]
    return warm, summarize(warm, timed, load_before)


def summarize(warm, timed, load_before):
    """The median of each figure of the timed runs."""
    keys = ["seconds", "cpu_seconds", "peak_anon", "peak_file", "root_peak_anon",
            "root_peak_file"]
    result = {key: statistics.median(r[key] for r in timed) for key in keys}
    result["runs_seconds"] = [r["seconds"] for r in timed]
    # Other work on the machine skews every figure: the 1-minute load average
    # around the timed runs (2 cores: above ~2 means they shared the CPU).
    result["load"] = (load_before, os.getloadavg()[0])
    workers_anon = [max(r["children_peak_anon"], default=0) for r in timed]
    workers_file = [max(r["children_peak_file"], default=0) for r in timed]
    result["worker_peak_anon"] = statistics.median(workers_anon)
    result["worker_peak_file"] = statistics.median(workers_file)
    result["worker_peak_anon_each"] = [r["children_peak_anon"] for r in timed]
    result["command"] = warm["command"] if "command" in warm else None
    result["partitions"] = warm.get("partitions")
    result["coordinator_cpu_share"] = statistics.median(
        (sum(r["root_thread_cpu_seconds"]) / r["cpu_seconds"]) if r["cpu_seconds"] else 0
        for r in timed)
    result["coordinator_top_thread_share"] = statistics.median(
        (max(r["root_thread_cpu_seconds"], default=0) / r["cpu_seconds"]) if r["cpu_seconds"]
        else 0 for r in timed)
    return result


MiB = 1 << 20


def mib(value):
    return f"{value / MiB:.1f}"


def machine_facts(data_dir):
    model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        total_kib = int(meminfo.readline().split()[1])
    usage = shutil.disk_usage(data_dir)
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(total_kib / (1 << 20), 1),
        "kernel": platform.release(),
        "disk_free_gib": round(usage.free / (1 << 30), 1),
        "python": platform.python_version(),
        "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
    }


# ---------------------------------------------------------------- sections

def end_to_end(bench, rows, args, report):
    input_path = bench.generate(rows)
    size = input_path.stat().st_size
    log(f"input {input_path} {size / 1e6:.1f} MB, {rows} rows")

    wc_warm, wc = median_run(lambda: dict(bench.run_wc(input_path), command="wc -l"), args.runs)
    wc_gbps = size / wc["seconds"] / 1e9
    report["wc"] = {"seconds": wc["seconds"], "gb_per_s": wc_gbps,
                    "command": f"wc -l {input_path}"}
    log(f"wc -l: {wc['seconds']:.3f} s = {wc_gbps:.2f} GB/s")

    results = {}
    checks = {}
    for workload in args.workloads:
        sort_rows = workload in UNORDERED
        exact = workload in EXACT_BYTES
        reference = None
        configs = [(f"sluice-{w}w", ("sluice", w)) for w in args.workers]
        skipped = {}
        for peer in args.peers:
            if workload in PEER_WORKLOADS.get(peer, {workload}):
                configs.append((peer, ("peer", peer)))
            else:
                log(f"{workload} {peer}: skipped ({peer} has no {workload})")
                skipped[(workload, peer)] = {"skipped": f"{peer} has no {workload}"}
        # The reference's output is checked against: run it first when present.
        preferred = REFERENCES.get(workload, DEFAULT_REFERENCES)
        configs.sort(key=lambda c: preferred.index(c[0]) if c[0] in preferred
                     else len(preferred))
        if configs and configs[0][0] not in preferred:
            log(f"{workload}: none of {', '.join(preferred)} runs; the rows are checked "
                f"against {configs[0][0]}'s")
        # Each tool runs once untimed (warm cache; its output is checked), then
        # the timed runs go round the tools: tool A, B, C, A, B, C, ... so
        # that the machine's drift over minutes (other tenants of the host)
        # weighs on every tool alike instead of on whichever ran last.
        runners, warms, timed = {}, {}, {}
        for name, (kind, what) in configs:
            if kind == "sluice":
                runners[name] = lambda w=what: bench.run_sluice(workload, input_path, w,
                                                                args.split_size)
            else:
                runners[name] = lambda p=what: bench.run_peer(p, workload, input_path)
            log(f"{workload} {name}: warm-up")
            try:
                warms[name] = runners[name]()
                timed[name] = []
            except RuntimeError as error:
                log(f"  FAILED: {error}")
                results[(workload, name)] = {"failed": str(error)[:2000]}
        load_before = os.getloadavg()[0]
        for round_index in range(args.runs):
            log(f"{workload}: timed round {round_index + 1} of {args.runs}")
            for name in list(timed):
                try:
                    timed[name].append(runners[name]())
                except RuntimeError as error:
                    log(f"  {name} FAILED: {error}")
                    results[(workload, name)] = {"failed": str(error)[:2000]}
                    del timed[name]
        for name, _ in configs:
            if name not in timed:
                continue
            warm = warms[name]
            result = summarize(warm, timed[name], load_before)
            header, count, sha = digest(warm["outputs"], sort_rows)
            raw = data_bytes_digest(warm["outputs"]) if exact else None
            if reference is None:
                reference = (name, header, count, sha, raw)
            same_values = (count, sha) == (reference[2], reference[3])
            same_bytes = raw == reference[4] if exact else None
            checks[(workload, name)] = {
                "rows_out": count, "same_rows_as": reference[0],
                "same_rows": same_values and same_bytes is not False,
                "same_values": same_values, "same_bytes": same_bytes,
                "data_bytes": raw[0] if raw else None,
                "same_header": header == reference[1], "header": header,
            }
            result["rows_out"] = count
            results[(workload, name)] = result
            log(f"  {result['seconds']:.2f} s, {size / result['seconds'] / 1e6:.0f} MB/s, "
                f"peak anon {mib(result['peak_anon'])} MiB, rows_out {count}, "
                f"same rows as {reference[0]}: {same_values}"
                + (f", data bytes identical: {same_bytes}" if exact else ""))
        results.update(skipped)

    report["input"] = {"path": str(input_path), "bytes": size, "rows": rows}
    report["results"] = [dict(workload=w, tool=t, **r) for (w, t), r in results.items()]
    report["checks"] = [dict(workload=w, tool=t, **c) for (w, t), c in checks.items()]
    print_table(report, args)


def print_table(report, args):
    size = report["input"]["bytes"]
    rows = report["input"]["rows"]
    wc = report["wc"]
    results = {(r["workload"], r["tool"]): r for r in report["results"]}
    checks = {(c["workload"], c["tool"]): c for c in report["checks"]}
    main = f"sluice-{max(args.workers)}w"
    lines = [
        f"input: {report['input']['path']} ({size / 1e6:.1f} MB, {rows} rows); "
        f"median of {args.runs} runs, page cache warm; split_size {args.split_size}",
        f"wc -l: {wc['seconds']:.3f} s = {wc['gb_per_s']:.2f} GB/s (physical reference)",
        "",
        "| workload | tool | seconds | MB/s | rows/s | peak anon MiB | peak file MiB | "
        "CPU s | same rows | sluice x | of wc -l | load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for (workload, tool), result in results.items():
        if "failed" in result:
            lines.append(f"| {workload} | {tool} | failed | | | | | | | | | |")
            continue
        if "skipped" in result:
            lines.append(f"| {workload} | {tool} | skipped: {result['skipped']} | | | | | | | | | |")
            continue
        sluice = results.get((workload, main), {})
        ratio = (f"{result['seconds'] / sluice['seconds']:.2f}"
                 if "seconds" in sluice and not tool.startswith("sluice") else "")
        check = checks.get((workload, tool), {})
        same = "yes" if check.get("same_rows") else "NO"
        if check.get("same_rows") and not check.get("same_header"):
            same = "yes (header differs)"
        if check.get("same_bytes") is not None:
            if check.get("same_rows"):
                same += " (bytes identical)" if check["same_rows_as"] != tool else " (reference)"
            elif check.get("same_values"):
                same = "NO (same values, bytes differ)"
        mbps = size / result["seconds"] / 1e6
        lines.append(
            f"| {workload} | {tool} | {result['seconds']:.2f} | {mbps:.0f} | "
            f"{rows / result['seconds'] / 1e6:.2f}M | {mib(result['peak_anon'])} | "
            f"{mib(result['peak_file'])} | {result['cpu_seconds']:.2f} | {same} | {ratio} | "
            f"{mbps / (wc['gb_per_s'] * 1e3) * 100:.1f}% | {max(result.get('load', (0, 0))):.1f} |")
    lines += ["", "sluice processes (peaks, median of runs):", "",
              "| workload | tool | partitions | coordinator anon MiB | coordinator file MiB | "
              "worker anon MiB (max) | worker file MiB (max) | coordinator CPU share |",
              "|---|---|---:|---:|---:|---:|---:|---:|"]
    for (workload, tool), result in results.items():
        if not tool.startswith("sluice") or "failed" in result or "skipped" in result:
            continue
        lines.append(
            f"| {workload} | {tool} | {result['partitions']} | {mib(result['root_peak_anon'])} | "
            f"{mib(result['root_peak_file'])} | {mib(result['worker_peak_anon'])} | "
            f"{mib(result['worker_peak_file'])} | {result['coordinator_cpu_share'] * 100:.1f}% |")
    text = "\n".join(lines)
    print(text, flush=True)
    report["table"] = text


def split_sweep(bench, rows, args, report):
    input_path = bench.generate(rows)
    size = input_path.stat().st_size
    lines = ["", f"split_size sweep ({max(args.workers)} workers, median of {args.runs}):", "",
             "| workload | split_size | partitions | seconds | MB/s | worker anon MiB |",
             "|---|---|---:|---:|---:|---:|"]
    sweep = []
    for workload in args.workloads:
        for split in args.split_sweep:
            _, result = median_run(
                lambda: bench.run_sluice(workload, input_path, max(args.workers), split), args.runs)
            sweep.append(dict(workload=workload, split_size=split, **result))
            lines.append(f"| {workload} | {split} | {result['partitions']} | "
                         f"{result['seconds']:.2f} | {size / result['seconds'] / 1e6:.0f} | "
                         f"{mib(result['worker_peak_anon'])} |")
            log(lines[-1])
    report["split_sweep"] = sweep
    print("\n".join(lines), flush=True)


def memory_bound(bench, args, report):
    lines = ["", "memory bound: sluice worker peak RssAnon at two input sizes "
             f"({max(args.workers)} workers, split_size {args.split_size}, one run each):", "",
             "| workload | rows | input MB | seconds | worker anon MiB (max) | "
             "coordinator anon MiB | tree anon MiB |", "|---|---:|---:|---:|---:|---:|---:|"]
    entries = []
    for rows in args.memory_rows:
        input_path = bench.generate(rows)
        size = input_path.stat().st_size
        for workload in args.workloads:
            bench.run_sluice(workload, input_path, max(args.workers), args.split_size)  # warm
            result = bench.run_sluice(workload, input_path, max(args.workers), args.split_size)
            worker = max(result["children_peak_anon"], default=0)
            entries.append({"workload": workload, "rows": rows, "bytes": size,
                            "seconds": result["seconds"], "worker_peak_anon": worker,
                            "coordinator_peak_anon": result["root_peak_anon"],
                            "tree_peak_anon": result["peak_anon"]})
            lines.append(f"| {workload} | {rows} | {size / 1e6:.0f} | {result['seconds']:.2f} | "
                         f"{mib(worker)} | {mib(result['root_peak_anon'])} | "
                         f"{mib(result['peak_anon'])} |")
            log(lines[-1])
            shutil.rmtree(bench.work_dir / f"out-sluice-{workload}", ignore_errors=True)
    by_workload = {}
    for entry in entries:
        by_workload.setdefault(entry["workload"], []).append(entry["worker_peak_anon"])
    lines.append("")
    for workload, peaks in by_workload.items():
        if len(peaks) >= 2 and min(peaks) > 0:
            change = (max(peaks) - min(peaks)) / min(peaks) * 100
            lines.append(f"{workload}: worker peak anon varies by {change:.1f}% across sizes "
                         f"({'within' if change <= 10 else 'OUTSIDE'} ±10%)")
    report["memory_bound"] = entries
    print("\n".join(lines), flush=True)


def control_plane(bench, args, report):
    """Dispatch + commit per partition: a job that copies a small file with
    split_size 256 B (thousands of partitions), wall time / partitions; and
    the cost of one fsync of a small file in the same directory."""
    rows = args.control_rows
    tiny = bench.generate(rows)
    size = tiny.stat().st_size
    out_dir = bench.work_dir / "out-control"
    state_dir = bench.work_dir / "state-control"
    job = bench.work_dir / "control.yaml"
    job.write_text(
        "name: control-plane\n"
        f"input: {{path: {tiny}, split_size: 256}}\n"
        "steps:\n  - filter: \"TRUE\"\n"
        f"output: {{path: {out_dir}/}}\n")
    timings = []
    partitions = 0
    for _ in range(args.runs):
        for path in (out_dir, state_dir):
            shutil.rmtree(path, ignore_errors=True)
        command = [str(bench.sluice), "run", str(job), "--workers", str(max(args.workers)),
                   "--state", str(state_dir), "--no-progress"]
        result = measure(command, cwd=bench.work_dir)
        partitions = manifest_partitions(out_dir)
        timings.append(result["seconds"])
    seconds = statistics.median(timings)
    # The fixed cost of a job (coordinator and RocksDB open, workers started
    # and registered, one partition, manifest): the same file in one partition.
    one_job = bench.work_dir / "control-one.yaml"
    one_job.write_text(job.read_text().replace("split_size: 256", "split_size: 64MiB"))
    one_timings = []
    for _ in range(args.runs):
        for path in (out_dir, state_dir):
            shutil.rmtree(path, ignore_errors=True)
        one_command = [str(bench.sluice), "run", str(one_job), "--workers",
                       str(max(args.workers)), "--state", str(state_dir), "--no-progress"]
        one_timings.append(measure(one_command, cwd=bench.work_dir)["seconds"])
    one_seconds = statistics.median(one_timings)
    # fsync of a small freshly written file, as the publisher does per part.
    fsync_times = []
    probe = bench.work_dir / "fsync-probe"
    for index in range(50):
        with open(probe, "wb") as handle:
            handle.write(b"x" * 512)
            handle.flush()
            started = time.perf_counter()
            os.fsync(handle.fileno())
            fsync_times.append(time.perf_counter() - started)
    probe.unlink()
    fsync_ms = statistics.median(fsync_times) * 1e3
    per_partition_ms = ((seconds - one_seconds) / (partitions - 1) * 1e3
                        if partitions and partitions > 1 else float("nan"))
    report["control_plane"] = {
        "input_bytes": size, "partitions": partitions, "seconds": seconds,
        "one_partition_seconds": one_seconds, "per_partition_ms": per_partition_ms,
        "fsync_ms": fsync_ms, "command": " ".join(command),
    }
    text = (f"\ncontrol plane ({max(args.workers)} workers, {size} B file, median of "
            f"{args.runs}): {partitions} partitions of 256 B in {seconds:.2f} s; the same file "
            f"as 1 partition in {one_seconds:.2f} s (fixed cost of a job); "
            f"(difference) / (partitions - 1) = {per_partition_ms:.2f} ms per partition "
            f"(dispatch + read + write + fsync + commit + rename); "
            f"one fsync of a 512 B file here: {fsync_ms:.3f} ms")
    print(text, flush=True)
    shutil.rmtree(out_dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the main input")
    parser.add_argument("--big", action="store_true",
                        help="also the memory bound at 10M rows (~2 GB; default 1M and 5M)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure (median)")
    parser.add_argument("--workers", default="1,2", help="sluice worker counts, e.g. 1,2")
    parser.add_argument("--threads", type=int, default=2, help="threads for Polars and DuckDB")
    parser.add_argument("--split-size", default="32MiB", help="split_size of the sluice jobs")
    parser.add_argument("--split-sweep", default="8MiB,16MiB,32MiB,64MiB",
                        help="split sizes to compare ('' to skip)")
    parser.add_argument("--workloads", default=",".join(DEFAULT_WORKLOADS),
                        help=f"of {','.join(WORKLOADS)} (w4: the exchange, millions of groups)")
    parser.add_argument("--peers", default=",".join(DEFAULT_PEERS),
                        help=f"of {','.join(PEERS)}; '' for sluice alone")
    parser.add_argument("--sections", default="table,sweep,memory,control",
                        help="which parts to run: table, sweep, memory, control")
    parser.add_argument("--memory-rows", default="",
                        help="row counts for the memory bound (default 1M,5M; 1M,10M with --big)")
    parser.add_argument("--control-rows", type=int, default=2000,
                        help="rows of the control-plane input (split into 256 B partitions)")
    parser.add_argument("--data-dir", default="/tmp/sluice-bench")
    parser.add_argument("--sluice", default=str(REPO_DIR / "build-bench" / "tools" / "sluice"))
    parser.add_argument("--pandas-python", default="/usr/bin/python3",
                        help="interpreter with pandas (Debian's python3-pandas)")
    parser.add_argument("--json", help="write every figure here as JSON")
    args = parser.parse_args()
    args.workers = [int(w) for w in args.workers.split(",") if w]
    args.workloads = [w for w in args.workloads.split(",") if w]
    args.peers = [p for p in args.peers.split(",") if p]
    unknown = ([w for w in args.workloads if w not in WORKLOADS]
               + [p for p in args.peers if p not in PEERS])
    if unknown:
        sys.exit(f"unknown workload or peer: {', '.join(unknown)} "
                 f"(workloads {','.join(WORKLOADS)}; peers {','.join(PEERS)})")
    args.split_sweep = [s for s in args.split_sweep.split(",") if s]
    sections = set(args.sections.split(","))
    if args.memory_rows:
        args.memory_rows = [int(r) for r in args.memory_rows.split(",")]
    else:
        args.memory_rows = [args.rows, 10_000_000 if args.big else 5 * args.rows]

    if not Path(args.sluice).exists():
        sys.exit(f"no sluice binary at {args.sluice}: ninja -C build-bench sluice")
    bench = Bench(args)
    bench.work_dir.mkdir(parents=True, exist_ok=True)
    needed = args.rows * 200 * 3 + (max(args.memory_rows) * 200 * 3 if "memory" in sections else 0)
    free = shutil.disk_usage(bench.data_dir).free
    if free < needed:
        sys.exit(f"{bench.data_dir}: {free / 1e9:.1f} GB free, need ~{needed / 1e9:.1f} GB")

    report = {"machine": machine_facts(bench.data_dir), "argv": sys.argv,
              "sluice": str(bench.sluice)}
    facts = report["machine"]
    print(f"machine: {facts['nproc']} cores, {facts['cpu_model']}, {facts['memory_gib']} GiB, "
          f"kernel {facts['kernel']}, node {facts['node']}, python {facts['python']}", flush=True)
    print(f"command: {' '.join(sys.argv)}", flush=True)
    if "table" in sections:
        end_to_end(bench, args.rows, args, report)
    if "sweep" in sections and args.split_sweep:
        split_sweep(bench, args.rows, args, report)
    if "memory" in sections:
        memory_bound(bench, args, report)
    if "control" in sections:
        control_plane(bench, args, report)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1, default=str))
    # A tool that produced other rows, or failed, makes the run fail.
    wrong = [f"{c['workload']} {c['tool']}" for c in report.get("checks", []) if not c["same_rows"]]
    wrong += [f"{r['workload']} {r['tool']} failed" for r in report.get("results", [])
              if "failed" in r]
    if wrong:
        print(f"different rows or failures: {', '.join(wrong)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
