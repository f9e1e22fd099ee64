// Reads sluice's Parquet output back with two real readers, DuckDB
// (@duckdb/node-api) and Polars (nodejs-polars), and compares every row and
// type with the CSV output of the same job.
//
// Usage: node check.mjs SLUICE_BINARY [ROWS] [PARQUET_WRITER_TEST_BINARY]
// The job types some columns in its schema (int64, int32, timestamp,
// category) and derives others (float64, bool, date, int), so the files hold
// every type sluice writes; it runs with parquet compression none, snappy
// and zstd, with many partitions, and once with a filter that keeps nothing
// (files of 0 rows).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import pl from "nodejs-polars";

const sluice = path.resolve(process.argv[2] ?? "build/tools/sluice");
const rows = Number(process.argv[3] ?? 20000);
const seed = Number(process.env.SLUICE_SEED ?? Date.now() % 100000);
console.log(`parquet check: ${rows} rows, seed=${seed} (replay with SLUICE_SEED=${seed})`);

const work = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-parquet-"));
const data = path.join(work, "parking.csv");
execFileSync(sluice, ["gen", "parking", "--rows", String(rows), "--seed", String(seed), "--out", data]);

function job(name, format, compression, { keepNothing = false } = {}) {
  const out = path.join(work, name);
  const yaml = `name: ${name}
input: {path: ${data}, split_size: 256KiB}
schema:
  on_error: reject
  columns:
    Summons Number: {type: int64}
    Violation Code: {type: int32}
    Issue Date: {type: timestamp, format: "%Y-%m-%dT%H:%M:%S.000"}
    Registration State: {type: category}
steps:
  - filter: "${keepNothing ? "\\\"Violation Code\\\" < 0" : "TRUE"}"
  - derive:
      ratio: "CAST(\\"Violation Code\\" AS float64) / 7"
      is_ny: "\\"Registration State\\" = 'NY'"
      issue_day: "CAST(\\"Issue Date\\" AS date)"
      days_until_expiration: "CASE WHEN strptime(\\"Vehicle Expiration Date\\", '%Y%m%d') IS NULL THEN -1 ELSE date_diff('day', \\"Issue Date\\", strptime(\\"Vehicle Expiration Date\\", '%Y%m%d')) END"
output: {path: ${out}, format: ${format}, compression: ${compression}}
`;
  const file = path.join(work, `${name}.yaml`);
  fs.writeFileSync(file, yaml);
  execFileSync(sluice, ["run", file, "--workers", "2", "--no-progress", "--state", path.join(work, `${name}.state`)], { stdio: ["ignore", "ignore", "pipe"] });
  execFileSync(sluice, ["verify", out], { stdio: ["ignore", "ignore", "pipe"] });
  return fs.readdirSync(out).filter((f) => f.startsWith("part-")).sort().map((f) => path.join(out, f));
}

const sqlList = (files) => "[" + files.map((f) => `'${f}'`).join(", ") + "]";
const q = (name) => `"${name.replaceAll('"', '""')}"`;

const instance = await DuckDBInstance.create(":memory:");
const db = await instance.connect();
const all = async (sql) => (await db.runAndReadAll(sql)).getRowObjectsJS();

const expectedTypes = {
  "Summons Number": "BIGINT", "Violation Code": "BIGINT", "Issue Date": "TIMESTAMP",
  "Registration State": "VARCHAR", "Plate ID": "VARCHAR", ratio: "DOUBLE", is_ny: "BOOLEAN",
  issue_day: "DATE", days_until_expiration: "BIGINT",
};
const polarsTypes = {
  BIGINT: "Int64", VARCHAR: "String", DOUBLE: "Float64", BOOLEAN: "Bool", DATE: "Date",
  TIMESTAMP: "Datetime",
};

// DuckDB: the Parquet rows, in file order, equal the CSV rows read with the
// Parquet file's types (an empty CSV field is NULL in a typed column and ''
// in a string column, as Parquet stores it).
async function compareWithDuckdb(label, parquetFiles, csvFiles) {
  const columns = await all(`DESCRIBE SELECT * FROM read_parquet(${sqlList(parquetFiles)})`);
  for (const [name, type] of Object.entries(expectedTypes)) {
    const column = columns.find((c) => c.column_name === name);
    assert.ok(column, `${label}: column ${name} missing`);
    assert.equal(column.column_type, type, `${label}: ${name}`);
  }
  const types = "{" + columns.map((c) => `'${c.column_name.replaceAll("'", "''")}': '${c.column_type}'`).join(", ") + "}";
  await db.run(`CREATE OR REPLACE TABLE p AS SELECT row_number() OVER () AS rn, * FROM read_parquet(${sqlList(parquetFiles)})`);
  await db.run(`CREATE OR REPLACE TABLE c AS SELECT row_number() OVER () AS rn, * FROM read_csv(${sqlList(csvFiles)}, header = true, columns = ${types}, quote = '"', escape = '"', nullstr = '', auto_detect = false)`);
  const [counts] = await all(`SELECT (SELECT count(*) FROM p) AS p, (SELECT count(*) FROM c) AS c`);
  assert.equal(counts.p, counts.c, `${label}: row counts`);
  const same = columns.map((c) => {
    const a = `p.${q(c.column_name)}`, b = `c.${q(c.column_name)}`;
    return c.column_type === "VARCHAR" ? `coalesce(${a}, '') = coalesce(${b}, '')` : `${a} IS NOT DISTINCT FROM ${b}`;
  }).join(" AND ");
  const [diff] = await all(`SELECT count(*) AS n FROM p FULL JOIN c USING (rn) WHERE NOT (${same})`);
  assert.equal(diff.n, 0n, `${label}: ${diff.n} rows differ between Parquet and CSV`);
  // Statistics are used for pruning: a filter must still find every row.
  const [nj] = await all(`SELECT (SELECT count(*) FROM read_parquet(${sqlList(parquetFiles)}) WHERE "Registration State" = 'NJ') AS p, (SELECT count(*) FROM c WHERE "Registration State" = 'NJ') AS c`);
  assert.equal(nj.p, nj.c, `${label}: NJ rows`);
  const meta = await all(`SELECT DISTINCT compression FROM parquet_metadata(${sqlList(parquetFiles)})`);
  return { rows: Number(counts.p), columns, codecs: meta.map((m) => m.compression) };
}

// Polars: every file read back, concatenated, equals DuckDB's rows.
async function compareWithPolars(label, parquetFiles, columns) {
  const frames = parquetFiles.map((f) => pl.readParquet(f));
  const frame = frames.length === 1 ? frames[0] : pl.concat(frames);
  const [count] = await all(`SELECT count(*) AS n FROM p`);
  assert.equal(frame.height, Number(count.n), `${label}: polars row count`);
  for (const c of columns) {
    const dtype = String(frame.getColumn(c.column_name).dtype).replace(/^DataType\((.*)\)$/, "$1");
    assert.ok(dtype.startsWith(polarsTypes[c.column_type]), `${label}: polars ${c.column_name} is ${dtype}, want ${polarsTypes[c.column_type]}`);
  }
  if (frame.height === 0) return;
  const duck = columns.map((c) => {
    const name = q(c.column_name);
    if (c.column_type === "DATE") return `strftime(${name}, '%Y-%m-%d')`;
    if (c.column_type === "TIMESTAMP") return `strftime(${name}, '%Y-%m-%d %H:%M:%S.%f')`;
    if (c.column_type === "DOUBLE") return name;
    return `CAST(${name} AS VARCHAR)`;
  });
  const expected = (await db.runAndReadAll(`SELECT ${duck.join(", ")} FROM p ORDER BY rn`)).getRowsJS();
  const exprs = columns.map((c) => {
    const col = pl.col(c.column_name);
    if (c.column_type === "DATE") return col.dt.strftime("%Y-%m-%d");
    if (c.column_type === "TIMESTAMP") return col.dt.strftime("%Y-%m-%d %H:%M:%S%.6f");
    if (c.column_type === "DOUBLE") return col;
    return col.cast(pl.Utf8);
  });
  const actual = frame.select(...exprs).rows();
  for (let r = 0; r < expected.length; ++r) {
    for (let k = 0; k < columns.length; ++k) {
      const a = actual[r][k], e = expected[r][k];
      const equal = (a ?? null) === (e ?? null) || (Number.isNaN(a) && Number.isNaN(e));
      if (!equal) assert.fail(`${label}: row ${r} column ${columns[k].column_name}: polars ${a}, duckdb ${e}`);
    }
  }
}

const csv = job("csv", "csv", "none");
for (const compression of ["none", "snappy", "zstd"]) {
  const files = job(`parquet-${compression}`, "parquet", compression);
  assert.equal(files.length, csv.length, "one parquet file per partition");
  const result = await compareWithDuckdb(`parquet/${compression}`, files, csv);
  await compareWithPolars(`parquet/${compression}`, files, result.columns);
  console.log(`parquet/${compression}: ${files.length} files, ${result.rows} rows, codecs ${result.codecs.join(",")}: DuckDB and Polars agree with the CSV output`);
}
const emptyCsv = job("empty-csv", "csv", "none", { keepNothing: true });
const empty = job("empty-parquet", "parquet", "zstd", { keepNothing: true });
const result = await compareWithDuckdb("parquet/empty", empty, emptyCsv);
await compareWithPolars("parquet/empty", empty, result.columns);
console.log(`parquet/empty: ${empty.length} files of 0 rows read by DuckDB and Polars`);

// Fixture files written by the unit test binary (many row groups, small
// pages, dictionary and PLAIN strings, NaN/inf, empty and non-ASCII strings,
// NULLs in every column), compared with the rows it says it wrote, and
// their statistics with the data of each row group.
async function checkFixtures(binary) {
  const dir = path.join(work, "fixtures");
  fs.mkdirSync(dir);
  execFileSync(binary, ["--gtest_filter=ParquetFixtures.*"], {
    env: { ...process.env, SLUICE_PARQUET_FIXTURES: dir, SLUICE_SEED: String(seed) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const expected = fs.readFileSync(path.join(dir, "groups.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const kinds = ["VARCHAR", "VARCHAR", "BIGINT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP", "VARCHAR"];
  const number = (t) => (t === "inf" ? Infinity : t === "-inf" ? -Infinity : t === "nan" ? NaN : Number(t));
  const same = (a, e, kind) => {
    if (e === null) return a === null || a === undefined;
    if (kind === "DOUBLE") return Object.is(a, number(e)) || (Number.isNaN(a) && Number.isNaN(number(e))) || (a === 0 && number(e) === 0);
    return a === e;
  };
  const compare = (label, actual) => {
    assert.equal(actual.length, expected.length, `${label}: rows`);
    for (let r = 0; r < expected.length; ++r) {
      for (let k = 0; k < kinds.length; ++k) {
        if (!same(actual[r][k], expected[r][k], kinds[k])) {
          assert.fail(`${label}: row ${r} column ${k}: read ${actual[r][k]}, written ${expected[r][k]}`);
        }
      }
    }
  };
  for (const codec of ["none", "snappy", "zstd"]) {
    const file = path.join(dir, `groups-${codec}.parquet`);
    const types = await all(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    assert.deepEqual(types.map((t) => t.column_type), kinds, `fixture ${codec}: types`);
    const rows = (await db.runAndReadAll(`SELECT few, many, CAST(n AS VARCHAR), x, CAST(b AS VARCHAR), strftime(d, '%Y-%m-%d'), strftime(ts, '%Y-%m-%d %H:%M:%S.%f'), empty FROM read_parquet('${file}')`)).getRowsJS();
    compare(`fixture ${codec} (DuckDB)`, rows);
    const frame = pl.readParquet(file);
    const polarsRows = frame.select(pl.col("few"), pl.col("many"), pl.col("n").cast(pl.Utf8), pl.col("x"), pl.col("b").cast(pl.Utf8),
      pl.col("d").dt.strftime("%Y-%m-%d"), pl.col("ts").dt.strftime("%Y-%m-%d %H:%M:%S%.6f"), pl.col("empty")).rows();
    compare(`fixture ${codec} (Polars)`, polarsRows);
    // 25 row groups; "few" stays a dictionary, "many" falls back to PLAIN.
    const meta = await all(`SELECT row_group_id AS g, path_in_schema AS c, encodings AS e, stats_min_value AS lo, stats_max_value AS hi, stats_null_count AS nulls, compression FROM parquet_metadata('${file}')`);
    assert.equal(new Set(meta.map((m) => m.g)).size, 25, `fixture ${codec}: row groups`);
    assert.ok(meta.filter((m) => m.c === "few").every((m) => String(m.e).includes("RLE_DICTIONARY")), `fixture ${codec}: few is a dictionary`);
    assert.ok(meta.filter((m) => m.c === "many").every((m) => !String(m.e).includes("DICTIONARY")), `fixture ${codec}: many is PLAIN`);
    // Statistics equal the data of each row group (1000 rows each).
    const truth = await all(`SELECT (rn - 1) // 1000 AS g, min(n) AS n_lo, max(n) AS n_hi, count(*) - count(n) AS n_nulls, min(few) AS few_lo, max(few) AS few_hi FROM (SELECT row_number() OVER () AS rn, * FROM read_parquet('${file}')) GROUP BY ALL ORDER BY g`);
    for (const t of truth) {
      const n = meta.find((m) => Number(m.g) === Number(t.g) && m.c === "n");
      const f = meta.find((m) => Number(m.g) === Number(t.g) && m.c === "few");
      assert.equal(n.lo, String(t.n_lo), `fixture ${codec}: group ${t.g} min(n)`);
      assert.equal(n.hi, String(t.n_hi), `fixture ${codec}: group ${t.g} max(n)`);
      assert.equal(Number(n.nulls), Number(t.n_nulls), `fixture ${codec}: group ${t.g} nulls(n)`);
      assert.equal(f.lo, t.few_lo, `fixture ${codec}: group ${t.g} min(few)`);
      assert.equal(f.hi, t.few_hi, `fixture ${codec}: group ${t.g} max(few)`);
    }
    console.log(`fixture/${codec}: ${expected.length} rows in 25 row groups read back exactly by DuckDB and Polars; statistics match the data`);
  }
  const empty = path.join(dir, "empty.parquet");
  const [count] = await all(`SELECT count(*) AS n FROM read_parquet('${empty}')`);
  assert.equal(count.n, 0n);
  assert.equal(pl.readParquet(empty).height, 0);
}

const fixtureBinary = process.argv[4];
if (fixtureBinary) {
  await checkFixtures(path.resolve(fixtureBinary));
} else {
  console.log("fixtures: skipped (no unit test binary given)");
}

const versions = await all(`SELECT version() AS v`);
console.log(`parquet check: OK (DuckDB ${versions[0].v}, nodejs-polars ${JSON.parse(fs.readFileSync(new URL("./node_modules/nodejs-polars/package.json", import.meta.url))).version})`);
fs.rmSync(work, { recursive: true, force: true });
