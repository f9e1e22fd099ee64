// W1, W2, W3 with DuckDB (@duckdb/node-api): read_csv with every column as
// text, one COPY ... TO a CSV file. Threads: DUCKDB_THREADS (bench/run.py
// sets 2); memory_limit stays DuckDB's default.
//   node duckdb.js w1|w2|w3 INPUT.csv OUT.csv
"use strict";
const { DuckDBInstance } = require("@duckdb/node-api");

const [workload, input, output] = process.argv.slice(2);
if (!workload || !input || !output) {
  console.error("usage: node duckdb.js w1|w2|w3 INPUT.csv OUT.csv");
  process.exit(2);
}

const quote = (text) => `'${text.replace(/'/g, "''")}'`;
// Every column as text; an empty field reads as NULL in DuckDB, so the
// string steps coalesce it back to '' (Python's csv module semantics).
const source = `read_csv(${quote(input)}, header = true, all_varchar = true, quote = '"', escape = '"')`;
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
};

async function main() {
  if (!(workload in queries)) {
    console.error(`unknown workload ${workload}`);
    process.exit(2);
  }
  const threads = process.env.DUCKDB_THREADS || "2";
  const instance = await DuckDBInstance.create(":memory:", { threads });
  const connection = await instance.connect();
  await connection.run(`COPY (${queries[workload]}) TO ${quote(output)} (FORMAT csv, HEADER true)`);
  connection.closeSync();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
