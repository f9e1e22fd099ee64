// The Parquet inputs of bench/parquet_w1.py, written by DuckDB from the
// generated CSV: every column as text (all_varchar, as the CSV workloads read
// it; an empty field becomes NULL), DuckDB's default row group size and codec
// (snappy). With ORDER_COLUMN the rows are sorted by it first, as a lake file
// clustered by that column is, so that min/max statistics can rule out row
// groups. Prints one JSON line: rows, row_groups, rows per group, bytes,
// compression, seconds.
//   node make_parquet.js INPUT.csv OUT.parquet [ORDER_COLUMN]
"use strict";
const fs = require("fs");
const { DuckDBInstance } = require("@duckdb/node-api");

const [input, output, orderColumn] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node make_parquet.js INPUT.csv OUT.parquet [ORDER_COLUMN]");
  process.exit(2);
}
const quote = (text) => `'${text.replace(/'/g, "''")}'`;
const ident = (text) => `"${text.replace(/"/g, '""')}"`;

async function main() {
  const started = Date.now();
  const threads = process.env.DUCKDB_THREADS || "2";
  const instance = await DuckDBInstance.create(":memory:", { threads });
  const connection = await instance.connect();
  const order = orderColumn ? ` ORDER BY ${ident(orderColumn)}` : "";
  const partial = `${output}.partial`;
  await connection.run(
    `COPY (SELECT * FROM read_csv(${quote(input)}, header = true, all_varchar = true,
                                  quote = '"', escape = '"')${order})
     TO ${quote(partial)} (FORMAT parquet)`,
  );
  fs.renameSync(partial, output);
  const reader = await connection.runAndReadAll(
    `SELECT count(DISTINCT row_group_id)::BIGINT AS row_groups,
            min(row_group_num_rows)::BIGINT AS group_rows_min,
            max(row_group_num_rows)::BIGINT AS group_rows_max,
            any_value(compression) AS compression
     FROM parquet_metadata(${quote(output)})`,
  );
  const [row] = reader.getRowObjectsJson();
  const rows = await connection.runAndReadAll(
    `SELECT count(*)::BIGINT AS n FROM read_parquet(${quote(output)})`,
  );
  connection.closeSync();
  console.log(
    JSON.stringify({
      rows: Number(rows.getRowObjectsJson()[0].n),
      row_groups: Number(row.row_groups),
      group_rows_min: Number(row.group_rows_min),
      group_rows_max: Number(row.group_rows_max),
      compression: row.compression,
      bytes: fs.statSync(output).size,
      order_by: orderColumn || null,
      seconds: (Date.now() - started) / 1000,
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
