#!/usr/bin/env python3
"""W1 over Parquet: sluice against DuckDB and Polars reading the same file.

From the generated CSV (`sluice gen parking --rows N --seed 1`, as run.py
makes it) DuckDB writes two Parquet files, every column as text (all_varchar,
as the CSV workloads read it), DuckDB's default row group size and codec
(snappy) (peers/make_parquet.js):

- random: the rows in the CSV's order, as any file written without a sort
  is. W1's predicate (Registration State = 'NJ' AND Vehicle Make = 'FORD'
  AND Issuing Agency = 'P') can rule out no row group by min/max.
- by-state: the same rows ORDER BY "Registration State", as a lake file
  clustered by that column; most row groups' min/max exclude 'NJ'.

W1 (examples/w1-nj-ford-police.yaml's filter, derive and select, with
`input: {path: X.parquet, format: parquet}`) then runs over each through
sluice (`sluice run --workers 2`), DuckDB (read_parquet, 2 threads) and
Polars (scanParquet, 2 threads). Each tool runs once untimed (page cache
warm; its output is checked: row for row in order against DuckDB's, else as
a multiset), then --runs timed runs in rounds over the tools; every figure
is the median. sluice's output over the CSV (one untimed run of the same
job over the CSV) is checked too. Reported per tool: wall s, CPU s (user +
system of the process tree), peak RssAnon of the tree, the 1-minute load
average around the runs, and for sluice the partitions, the row groups
pushdown skipped (`row_groups_skipped` of _MANIFEST.json) of the file's row
groups.

    python3 bench/parquet_w1.py --rows 1000000 --runs 3

Uses bench/run.py's memory sampling, runners and output comparison; needs
what bench/setup.sh installs (node_modules with DuckDB and Polars).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import run as base

VARIANTS = {"random": None, "by-state": "Registration State"}
TOOLS = ["duckdb", "sluice", "polars"]  # the first that runs is the reference


def parquet_path(bench, rows, variant):
    return bench.data_dir / f"parking-{rows}-{variant}.parquet"


def make_parquet(bench, csv_path, rows, variant):
    """The variant's Parquet file and its facts (peers/make_parquet.js's
    JSON, kept beside it); made once."""
    path = parquet_path(bench, rows, variant)
    facts_path = path.with_suffix(".parquet.json")
    if path.exists() and facts_path.exists():
        return path, json.loads(facts_path.read_text())
    command = ["node", str(base.PEERS_DIR / "make_parquet.js"), str(csv_path), str(path)]
    if VARIANTS[variant]:
        command.append(VARIANTS[variant])
    base.log(f"writing {path} with DuckDB ({variant})")
    done = subprocess.run(command, env=bench.node_env, check=True, capture_output=True, text=True)
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    facts_path.write_text(json.dumps(facts))
    return path, facts


def parquet_job(bench, input_path, out_dir, split_size, name):
    """examples/w1-nj-ford-police.yaml with its input block replaced by a
    Parquet input (no header/delimiter/quote: refused for Parquet) and its
    output path pointed at out_dir."""
    text = base.EXAMPLES["w1"].read_text()
    text, count = re.subn(r"(?m)^input:\n(?:  .*\n)+",
                          lambda m: (f"input:\n  path: {input_path}\n  format: parquet\n"
                                     f"  split_size: {split_size}\n"), text, count=1)
    assert count == 1, "examples/w1-nj-ford-police.yaml has no input block"
    text = re.sub(r"(?m)^(output:\n  path: ).*$", lambda m: f"{m.group(1)}{out_dir}/", text)
    job = bench.work_dir / f"{name}.yaml"
    job.write_text(text)
    return job


def run_sluice(bench, input_path, variant, args):
    out_dir = bench.work_dir / f"out-sluice-w1-{variant}"
    state_dir = bench.work_dir / f"state-sluice-w1-{variant}"
    for path in (out_dir, state_dir):
        shutil.rmtree(path, ignore_errors=True)
    job = parquet_job(bench, input_path, out_dir, args.split_size, f"w1-parquet-{variant}")
    command = [str(bench.sluice), "run", str(job), "--workers", str(args.workers), "--state",
               str(state_dir), "--no-progress"]
    result = base.measure(command, cwd=bench.work_dir)
    manifest = json.loads((out_dir / "_MANIFEST.json").read_text())
    result["command"] = " ".join(command)
    result["outputs"] = sorted(str(p) for p in out_dir.glob("part-*.csv"))
    result["partitions"] = len(manifest.get("partitions", []))
    result["row_groups_skipped"] = manifest.get("row_groups_skipped", 0)
    return result


def run_peer(bench, peer, input_path, variant):
    result = bench.run_peer(peer, "w1", input_path)
    # run.py names the output for the workload only: keep each variant's.
    kept = Path(result["outputs"][0]).with_name(f"out-{peer}-w1-{variant}.csv")
    Path(result["outputs"][0]).replace(kept)
    result["outputs"] = [str(kept)]
    return result


def check(outputs, reference):
    """'reference', 'yes (in order)', 'yes (as a multiset)' or 'NO'."""
    in_order = base.digest(outputs, False)
    as_set = base.digest(outputs, True)
    if reference is None:
        return in_order, as_set, "reference"
    same_header = in_order[0] == reference[0][0]
    suffix = "" if same_header else ", header differs"
    if in_order[1:] == reference[0][1:]:
        return in_order, as_set, f"yes (in order{suffix})"
    if as_set[1:] == reference[1][1:]:
        return in_order, as_set, f"yes (as a multiset{suffix})"
    return in_order, as_set, "NO"


def bench_variant(bench, csv_path, rows, variant, args, csv_check):
    path, facts = make_parquet(bench, csv_path, rows, variant)
    base.log(f"{variant}: {path} {facts['bytes'] / 1e6:.1f} MB, {facts['row_groups']} row groups")
    runners = {
        "sluice": lambda: run_sluice(bench, path, variant, args),
        "duckdb": lambda: run_peer(bench, "duckdb", path, variant),
        "polars": lambda: run_peer(bench, "polars", path, variant),
    }
    tools = [t for t in TOOLS if t in args.tools]
    warms, timed, checks = {}, {}, {}
    reference = None
    for tool in tools:
        base.log(f"{variant} {tool}: warm-up")
        warms[tool] = runners[tool]()
        in_order, as_set, same = check(warms[tool]["outputs"], reference)
        if reference is None:
            reference = (in_order, as_set)
            same = f"reference ({tool})"
        checks[tool] = {"same_rows": same, "rows_out": in_order[1]}
        base.log(f"  {warms[tool]['seconds']:.2f} s, rows out {in_order[1]}: {same}")
        timed[tool] = []
    # sluice's W1 over the CSV the file was made from: the same rows.
    csv_in_order, csv_as_set = csv_check
    same_as_csv = ("yes (in order)" if (reference[0][1:] == csv_in_order[1:])
                   else "yes (as a multiset)" if reference[1][1:] == csv_as_set[1:] else "NO")
    load_before = os.getloadavg()[0]
    for round_index in range(args.runs):
        base.log(f"{variant}: timed round {round_index + 1} of {args.runs}")
        for tool in tools:
            timed[tool].append(runners[tool]())
    entries = []
    for tool in tools:
        result = base.summarize(warms[tool], timed[tool], load_before)
        name = f"sluice-{args.workers}w" if tool == "sluice" else tool
        entry = {"variant": variant, "tool": name, **checks[tool], **result,
                 "cpu_runs": [r["cpu_seconds"] for r in timed[tool]]}
        if tool == "sluice":
            entry["row_groups_skipped"] = warms[tool]["row_groups_skipped"]
            entry["partitions"] = warms[tool]["partitions"]
        entries.append(entry)
    return {"variant": variant, "file": str(path), "facts": facts, "same_as_csv": same_as_csv,
            "results": entries}


def print_report(rows, sections, args):
    lines = []
    for section in sections:
        facts = section["facts"]
        lines += [
            "",
            f"{section['variant']}: {section['file']} ({facts['bytes'] / 1e6:.1f} MB, "
            f"{facts['rows']} rows, {facts['row_groups']} row groups of "
            f"{facts['group_rows_min']}-{facts['group_rows_max']} rows, {facts['compression']}"
            + (f", ORDER BY {facts['order_by']}" if facts["order_by"] else "") + "); "
            f"W1 over the CSV by sluice gives the same rows: {section['same_as_csv']}",
            "",
            "| variant | tool | seconds | CPU s | peak anon MiB | row groups skipped "
            "| same rows | peer ÷ sluice (wall) | peer ÷ sluice (CPU) | load |",
            "|---|---|---:|---:|---:|---|---|---:|---:|---|",
        ]
        results = {r["tool"]: r for r in section["results"]}
        sluice = results.get(f"sluice-{args.workers}w")
        for tool, r in results.items():
            skipped = ""
            anon = base.mib(r["peak_anon"])
            if tool.startswith("sluice"):
                skipped = (f"{r['row_groups_skipped']} of {facts['row_groups']} "
                           f"({r['partitions']} partitions)")
                anon += f" (worker {base.mib(r['worker_peak_anon'])})"
            wall_ratio = cpu_ratio = ""
            if sluice and not tool.startswith("sluice"):
                wall_ratio = f"{r['seconds'] / sluice['seconds']:.2f}"
                cpu_ratio = f"{r['cpu_seconds'] / sluice['cpu_seconds']:.2f}"
            load = "–".join(f"{value:.1f}" for value in r["load"])
            lines.append(f"| {section['variant']} | {tool} | {r['seconds']:.2f} | "
                         f"{r['cpu_seconds']:.2f} | {anon} | {skipped} | {r['same_rows']} | "
                         f"{wall_ratio} | {cpu_ratio} | {load} |")
    text = "\n".join(lines)
    print(text, flush=True)
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated CSV")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure (median)")
    parser.add_argument("--workers", type=int, default=2, help="sluice workers")
    parser.add_argument("--threads", type=int, default=2, help="threads for Polars and DuckDB")
    parser.add_argument("--split-size", default="32MiB",
                        help="split_size of the sluice job (cut at row group starts)")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"of {','.join(VARIANTS)}")
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help=f"of {','.join(TOOLS)} (the first that runs is the reference)")
    parser.add_argument("--data-dir", default="/tmp/sluice-bench",
                        help="the CSV and Parquet files (shared with run.py); runs in work-parquet/")
    parser.add_argument("--sluice", default=str(base.REPO_DIR / "build-bench" / "tools" / "sluice"))
    parser.add_argument("--json", help="write every figure here as JSON")
    args = parser.parse_args()
    args.variants = [v for v in args.variants.split(",") if v]
    args.tools = [t for t in args.tools.split(",") if t]
    unknown = [v for v in args.variants if v not in VARIANTS] + \
              [t for t in args.tools if t not in TOOLS]
    if unknown:
        sys.exit(f"unknown variant or tool: {', '.join(unknown)}")
    if not Path(args.sluice).exists():
        sys.exit(f"no sluice binary at {args.sluice}: ninja -C build-bench sluice")
    # run.Bench wants run.py's arguments; only these are used here.
    bench = base.Bench(argparse.Namespace(data_dir=args.data_dir, sluice=args.sluice,
                                          threads=args.threads, pandas_python=None))
    bench.work_dir = bench.data_dir / "work-parquet"
    bench.work_dir.mkdir(parents=True, exist_ok=True)
    needed = args.rows * 200 * 2
    free = shutil.disk_usage(bench.data_dir).free
    if free < needed:
        sys.exit(f"{bench.data_dir}: {free / 1e9:.1f} GB free, need ~{needed / 1e9:.1f} GB")

    facts = base.machine_facts(bench.data_dir)
    print(f"machine: {facts['nproc']} cores, {facts['cpu_model']}, {facts['memory_gib']} GiB, "
          f"kernel {facts['kernel']}, node {facts['node']}", flush=True)
    print(f"command: {' '.join(sys.argv)}", flush=True)
    csv_path = bench.generate(args.rows)
    # The same job over the CSV, once: what every Parquet run must give.
    csv_run = run_sluice_csv(bench, csv_path, args)
    csv_check = (base.digest(csv_run["outputs"], False), base.digest(csv_run["outputs"], True))
    base.log(f"W1 over the CSV: {csv_run['seconds']:.2f} s, {csv_check[0][1]} rows")
    sections = [bench_variant(bench, csv_path, args.rows, v, args, csv_check)
                for v in args.variants]
    print(f"\nmedian of {args.runs} timed runs after one untimed; load = 1-minute load average "
          "before – after the timed runs (2 cores: above ~2 the tools shared the CPU)")
    table = print_report(args.rows, sections, args)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"machine": facts, "argv": sys.argv, "sluice": str(bench.sluice), "rows": args.rows,
             "sections": sections, "table": table}, indent=1, default=str))
    wrong = [f"{s['variant']} {r['tool']}" for s in sections for r in s["results"]
             if r["same_rows"] == "NO"]
    wrong += [f"{s['variant']} (against the CSV)" for s in sections if s["same_as_csv"] == "NO"]
    if wrong:
        print(f"different rows: {', '.join(wrong)}", file=sys.stderr)
        sys.exit(1)


def run_sluice_csv(bench, csv_path, args):
    out_dir = bench.work_dir / "out-sluice-w1-csv"
    state_dir = bench.work_dir / "state-sluice-w1-csv"
    for path in (out_dir, state_dir):
        shutil.rmtree(path, ignore_errors=True)
    job = bench.job_file("w1", csv_path, out_dir, args.split_size)
    command = [str(bench.sluice), "run", str(job), "--workers", str(args.workers), "--state",
               str(state_dir), "--no-progress"]
    result = base.measure(command, cwd=bench.work_dir)
    result["outputs"] = sorted(str(p) for p in out_dir.glob("part-*.csv"))
    return result


if __name__ == "__main__":
    main()
