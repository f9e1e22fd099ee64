// Writes Parquet files with DuckDB and Polars for sluice's Parquet reader to
// read (tests/unit/parquet_reader_external_test.cc): every codec both write
// (uncompressed, snappy, gzip, zstd), DuckDB's format V1 (PLAIN and
// RLE_DICTIONARY) and V2 (DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
// BYTE_STREAM_SPLIT; still data pages v1, as Polars'), NULLs in every
// column, and the types both map: integers of every width, unsigned, float,
// double, boolean, strings ('' and NULL), dates, timestamps (ms, us, ns,
// with time zone), times, decimals (INT32, INT64 and FIXED_LEN_BYTE_ARRAY),
// UUIDs. Prints one line per file.
//
// Usage: node write_inputs.mjs OUT_DIR SEED ROWS
import fs from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import pl from "nodejs-polars";

const [out, seedText, rowsText] = process.argv.slice(2);
const seed = Number(seedText ?? 1);
const rows = Number(rowsText ?? 5000);
fs.mkdirSync(out, { recursive: true });

const instance = await DuckDBInstance.create(":memory:");
const db = await instance.connect();
await db.run(`SELECT setseed(${(seed % 1000) / 1000})`);
// NULL in about one row in 8 of every column but the id.
const n = (expr) => `CASE WHEN random() < 0.125 THEN NULL ELSE ${expr} END`;
await db.run(`CREATE TABLE t AS SELECT
  range AS id,
  ${n("(random() * 4000000 - 2000000)::INTEGER")} AS i32,
  ${n("(random() * 250 - 125)::TINYINT")} AS i8,
  ${n("(random() * 60000 - 30000)::SMALLINT")} AS i16,
  ${n("(random() * 9e18 - 4.5e18)::BIGINT")} AS i64,
  ${n("(random() * 250)::UTINYINT")} AS u8,
  ${n("(random() * 4e9)::UINTEGER")} AS u32,
  ${n("(random() * 1.8e19)::UBIGINT")} AS u64,
  ${n("(random() * 2000 - 1000)::FLOAT")} AS f32,
  ${n("CASE WHEN random() < 0.02 THEN 'inf'::DOUBLE WHEN random() < 0.02 THEN -0.0 ELSE random() * 1e6 - 5e5 END")} AS f64,
  ${n("random() < 0.5")} AS flag,
  ${n("['NY', 'NJ', 'CT', '', 'PA', 'quote\"d', 'comma,here', 'line' || chr(10) || 'break', 'é ü'][1 + (random() * 8)::INTEGER]")} AS state,
  ${n("'plate-' || (random() * 1e9)::BIGINT::VARCHAR")} AS plate,
  ${n("DATE '1970-01-01' + (random() * 40000 - 10000)::INTEGER")} AS day,
  ${n("TIMESTAMP '2000-01-01' + to_microseconds((random() * 1e15 - 5e14)::BIGINT)")} AS ts,
  ${n("(TIMESTAMP '2000-01-01' + to_microseconds((random() * 1e15)::BIGINT))::TIMESTAMP_MS")} AS ts_ms,
  ${n("(TIMESTAMP '2000-01-01' + to_microseconds((random() * 1e15)::BIGINT))::TIMESTAMP_NS")} AS ts_ns,
  ${n("(TIMESTAMP '2000-01-01' + to_microseconds((random() * 1e15)::BIGINT))::TIMESTAMPTZ")} AS ts_tz,
  ${n("TIME '00:00:00' + to_microseconds((random() * 86399999999)::BIGINT)")} AS tod,
  ${n("(random() * 2e6 - 1e6)::DECIMAL(9,2)")} AS dec9,
  ${n("(random() * 2e12 - 1e12)::DECIMAL(18,4)")} AS dec18,
  ${n("(random() * 2e20 - 1e20)::DECIMAL(38,10)")} AS dec38,
  ${n("uuid()")} AS id_uuid
FROM range(${rows})`);
await db.run("SET TimeZone = 'UTC'");

const files = [];
for (const version of ["V1", "V2"]) {
  for (const codec of ["uncompressed", "snappy", "gzip", "zstd"]) {
    const file = path.join(out, `duckdb-${version}-${codec}.parquet`);
    const groupRows = 500 + Math.floor(rows / 7);
    await db.run(`COPY t TO '${file}' (FORMAT parquet, COMPRESSION ${codec}, PARQUET_VERSION ${version}, ROW_GROUP_SIZE ${groupRows})`);
    files.push(file);
  }
}

// Polars: the types it writes from JavaScript values, with its own encoders.
const count = Math.min(rows, 20000);
let state = seed;
const next = () => {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state / 2147483648;
};
const maybe = (value) => (next() < 0.125 ? null : value);
const columns = { id: [], int64: [], int32: [], float64: [], float32: [], flag: [], text: [], day: [], when: [] };
for (let i = 0; i < count; i++) {
  columns.id.push(i);
  columns.int64.push(maybe(Math.floor(next() * 1e12) - 5e11));
  columns.int32.push(maybe(Math.floor(next() * 2e6) - 1e6));
  columns.float64.push(maybe(next() * 1e4 - 5e3));
  columns.float32.push(maybe(Math.fround(next() * 100)));
  columns.flag.push(maybe(next() < 0.5));
  columns.text.push(maybe(["alpha", "beta", "", "gamma,delta", "x\"y"][Math.floor(next() * 5)] + (next() < 0.3 ? String(i) : "")));
  columns.day.push(maybe(new Date(Date.UTC(1990, 0, 1) + Math.floor(next() * 15000) * 86400000)));
  columns.when.push(maybe(new Date(Date.UTC(2000, 0, 1) + Math.floor(next() * 1e12))));
}
const frame = pl.DataFrame({
  id: pl.Series("id", columns.id, pl.Int64),
  int64: pl.Series("int64", columns.int64, pl.Int64),
  int32: pl.Series("int32", columns.int32, pl.Int32),
  float64: pl.Series("float64", columns.float64, pl.Float64),
  float32: pl.Series("float32", columns.float32, pl.Float32),
  flag: pl.Series("flag", columns.flag, pl.Bool),
  text: pl.Series("text", columns.text, pl.Utf8),
  day: pl.Series("day", columns.day, pl.Date),
  when: pl.Series("when", columns.when, pl.Datetime("ms")),
});
for (const codec of ["uncompressed", "snappy", "gzip", "zstd"]) {
  const file = path.join(out, `polars-${codec}.parquet`);
  frame.writeParquet(file, { compression: codec });
  files.push(file);
}
for (const file of files) console.log(file);
