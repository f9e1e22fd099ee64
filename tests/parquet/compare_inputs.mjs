// Compares what sluice's Parquet reader read (FILE.parquet.csv, written by
// tests/unit/parquet_reader_external_test.cc: a header, every value quoted,
// NULL an empty unquoted field) with what DuckDB reads from FILE.parquet:
// DuckDB parses the CSV with the Parquet file's column types, and the two
// must hold the same rows as multisets (EXCEPT ALL both ways, and the same
// count). Prints "ok FILE ROWS ENCODINGS CODECS" or "MISMATCH FILE ..." per
// file; exits 1 on any mismatch.
//
// Usage: node compare_inputs.mjs FILE.parquet...
import { DuckDBInstance } from "@duckdb/node-api";

const instance = await DuckDBInstance.create(":memory:");
const db = await instance.connect();
await db.run("SET TimeZone = 'UTC'");
const all = async (sql) => (await db.runAndReadAll(sql)).getRowObjectsJS();
const quote = (text) => `'${text.replaceAll("'", "''")}'`;
let failed = false;
for (const file of process.argv.slice(2)) {
  const types = await all(`DESCRIBE SELECT * FROM read_parquet(${quote(file)})`);
  const columns = "{" + types.map((c) => `${quote(c.column_name)}: ${quote(c.column_type)}`).join(", ") + "}";
  await db.run(`CREATE OR REPLACE TEMP VIEW p AS SELECT * FROM read_parquet(${quote(file)})`);
  await db.run(`CREATE OR REPLACE TEMP VIEW c AS SELECT * FROM read_csv(${quote(file + ".csv")},
      header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
      allow_quoted_nulls = false, columns = ${columns})`);
  const [counts] = await all(`SELECT (SELECT count(*) FROM p) AS p, (SELECT count(*) FROM c) AS c,
      (SELECT count(*) FROM (SELECT * FROM p EXCEPT ALL SELECT * FROM c)) AS only_p,
      (SELECT count(*) FROM (SELECT * FROM c EXCEPT ALL SELECT * FROM p)) AS only_c`);
  const meta = await all(`SELECT string_agg(DISTINCT encodings, ' ') AS encodings,
      string_agg(DISTINCT compression, ' ') AS codecs FROM parquet_metadata(${quote(file)})`);
  if (counts.p !== counts.c || counts.only_p !== 0n || counts.only_c !== 0n) {
    failed = true;
    const sample = await all(`SELECT * FROM (SELECT * FROM p EXCEPT ALL SELECT * FROM c) LIMIT 2`);
    const ours = await all(`SELECT * FROM (SELECT * FROM c EXCEPT ALL SELECT * FROM p) LIMIT 2`);
    const show = (rows) => JSON.stringify(rows, (k, v) => (typeof v === "bigint" ? String(v) : v));
    console.log(`MISMATCH ${file} duckdb=${counts.p} sluice=${counts.c} only_duckdb=${counts.only_p} only_sluice=${counts.only_c} duckdb_rows=${show(sample)} sluice_rows=${show(ours)}`);
  } else {
    console.log(`ok ${file} ${counts.p} ${meta[0].encodings} ${meta[0].codecs}`);
  }
}
process.exit(failed ? 1 : 0);
