// Reads a Hive-partitioned directory with DuckDB (hive_partitioning=true)
// and prints its rows, one a line, values joined by ',' (NULL as the empty
// string), sorted: what tests/cluster/hive_input_test.cc compares sluice's
// reading of the same directory with.
// The first line is DuckDB's column names (it orders the partition columns
// by name; sluice keeps path order); the rows hold the columns named by the
// second argument, in that order, when given.
// Usage: node hive_read.mjs 'DIR/**/*.csv' [id,amount,year,city]
import { DuckDBInstance } from '@duckdb/node-api';

const pattern = process.argv[2];
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const quoted = pattern.replaceAll("'", "''");
const reader = pattern.endsWith('.parquet') ? 'read_parquet' : 'read_csv';
const source = `${reader}('${quoted}', hive_partitioning=true)`;
const all = await connection.runAndReadAll(`SELECT * FROM ${source} LIMIT 0`);
console.log(all.columnNames().join(','));
const columns = process.argv[3]
  ? process.argv[3].split(',').map((name) => `"${name.replaceAll('"', '""')}"`).join(', ')
  : '*';
const result = await connection.runAndReadAll(`SELECT ${columns} FROM ${source}`);
const lines = result.getRowsJson().map((row) =>
  row.map((value) => (value === null ? '' : String(value))).join(','));
lines.sort();
for (const line of lines) console.log(line);
