// W1..W5 with DuckDB (@duckdb/node-api): read_csv with every column as
// text, one COPY ... TO a CSV file. Threads: DUCKDB_THREADS (bench/run.py
// sets 2). memory_limit stays DuckDB's default unless DUCKDB_MEMORY_LIMIT is
// set (e.g. 256MB: bench/run.py's duckdb-256mb peer), then DuckDB spills to
// DUCKDB_TEMP_DIRECTORY (default: OUT.csv.duckdb-tmp, removed afterwards).
// W4's output is the reference sluice's W4 is checked against.
//   node duckdb.js w1|w2|w3|w4|w5 INPUT.csv OUT.csv
//   node duckdb.js w6 TICKETS.csv OUT.csv REGISTRATIONS.csv
// An INPUT ending in .parquet is read with read_parquet (bench/parquet_w1.py,
// W1): a NULL there reads as NULL, which the queries coalesce to '' as above.
"use strict";
const { DuckDBInstance } = require("@duckdb/node-api");

const [workload, input, output, right] = process.argv.slice(2);
if (!workload || !input || !output || (workload === "w6" && !right)) {
  console.error("usage: node duckdb.js w1|w2|w3|w4|w5 INPUT.csv OUT.csv | w6 TICKETS.csv OUT.csv REGISTRATIONS.csv");
  process.exit(2);
}

const quote = (text) => `'${text.replace(/'/g, "''")}'`;
// Every column as text; an empty field reads as NULL in DuckDB, so the
// string steps coalesce it back to '' (Python's csv module semantics).
const source = input.endsWith(".parquet")
  ? `read_parquet(${quote(input)})`
  : `read_csv(${quote(input)}, header = true, all_varchar = true, quote = '"', escape = '"')`;
const str = (column) => `coalesce("${column}", '')`;

const queries = {
  w1: `SELECT "Vehicle Make" AS vehicle_make, 'police' AS issuing_agency,
              concat_ws(', ', ${str("House Number")}, ${str("Street Name")}, ${str("Registration State")}) AS address
       FROM ${source}
       WHERE "Registration State" = 'NJ' AND "Vehicle Make" = 'FORD' AND "Issuing Agency" = 'P'`,
  w2: `SELECT *, coalesce(date_diff('day',
                   try_strptime(substr("Issue Date", 1, 10), '%Y-%m-%d')::DATE,
                   try_strptime("Vehicle Expiration Date", '%Y%m%d')::DATE), -1) AS days_until_expiration
       FROM ${source}`,
  w3: `SELECT ${str("Registration State")} AS registration_state, ${str("Violation Code")} AS violation_code,
              count(*) AS count
       FROM ${source}
       GROUP BY ALL
       ORDER BY count DESC, registration_state, violation_code`,
  // Tickets per plate: millions of groups; the order is total (plate_id
  // breaks the ties). coalesce: an empty field is '' as sluice reads it (and
  // '' then sorts first, as in sluice), not a NULL that min/max would skip.
  w4: `SELECT ${str("Plate ID")} AS plate_id, count(*) AS tickets,
              min(${str("Issue Date")}) AS first_issue, max(${str("Issue Date")}) AS last_issue
       FROM ${source}
       GROUP BY 1
       ORDER BY tickets DESC, plate_id`,
  // Every row, every column, by issue date then summons number.
  w5: `SELECT * FROM ${source} ORDER BY "Issue Date", "Summons Number"`,
  // Tickets with their plate's registration (inner join on Plate ID).
  w6: `SELECT t."Summons Number", t."Plate ID", t."Registration State", t."Issue Date",
              t."Violation Code", r."Owner ZIP" AS owner_zip, r."Vehicle Year" AS vehicle_year,
              r."Vehicle Make" AS registered_make
       FROM ${source} t
       JOIN read_csv(${quote(right || "")}, header = true, all_varchar = true) r
         ON t."Plate ID" = r."Plate ID"`,
};

async function main() {
  if (!(workload in queries)) {
    console.error(`unknown workload ${workload}`);
    process.exit(2);
  }
  const threads = process.env.DUCKDB_THREADS || "2";
  const instance = await DuckDBInstance.create(":memory:", { threads });
  const connection = await instance.connect();
  const memoryLimit = process.env.DUCKDB_MEMORY_LIMIT;
  const tempDirectory = process.env.DUCKDB_TEMP_DIRECTORY || `${output}.duckdb-tmp`;
  if (memoryLimit) {
    await connection.run(`SET memory_limit = ${quote(memoryLimit)}`);
    await connection.run(`SET temp_directory = ${quote(tempDirectory)}`);
  }
  await connection.run(`COPY (${queries[workload]}) TO ${quote(output)} (FORMAT csv, HEADER true)`);
  connection.closeSync();
  if (memoryLimit && !process.env.DUCKDB_TEMP_DIRECTORY) {
    require("fs").rmSync(tempDirectory, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
