// Reads a Hive-partitioned directory with DuckDB (hive_partitioning=true)
// and prints its rows, one a line, values joined by ',' (NULL as the empty
// string), sorted: what tests/cluster/hive_input_test.cc compares sluice's
// reading of the same directory with.
// Usage: node hive_read.mjs 'DIR/**/*.csv'
import { DuckDBInstance } from '@duckdb/node-api';

const pattern = process.argv[2];
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const quoted = pattern.replaceAll("'", "''");
const reader = pattern.endsWith('.parquet') ? 'read_parquet' : 'read_csv';
const result = await connection.runAndReadAll(
  `SELECT * FROM ${reader}('${quoted}', hive_partitioning=true)`);
console.log(result.columnNames().join(','));
const lines = result.getRowsJson().map((row) =>
  row.map((value) => (value === null ? '' : String(value))).join(','));
lines.sort();
for (const line of lines) console.log(line);
