// W1..W5 with nodejs-polars, the way a user would write them: a lazy scan
// of the CSV with every column as text, the query, and a streaming sink (W1,
// W2, W4) or a collect + write (W3, a few hundred rows). Threads: set
// POLARS_MAX_THREADS (bench/run.py sets 2).
//   node polars.js w1|w2|w3|w4|w5 INPUT.csv OUT.csv
// An INPUT ending in .parquet is scanned with scanParquet (bench/parquet_w1.py,
// W1 only: Parquet has NULLs where the CSV had empty fields; W1 fills the
// ones it concatenates with '', as sluice reads a NULL in an untyped column).
"use strict";
const pl = require("nodejs-polars");

const [workload, input, output, right] = process.argv.slice(2);
if (!workload || !input || !output || (workload === "w6" && !right)) {
  console.error("usage: node polars.js w1|w2|w3|w4|w5 INPUT.csv OUT.csv | w6 TICKETS.csv OUT.csv REGISTRATIONS.csv");
  process.exit(2);
}

// Every column as text; an empty field is the empty string (as Python's csv
// module and sluice read it), not null.
const scan = () =>
  input.endsWith(".parquet")
    ? pl.scanParquet(input)
    : pl.scanCSV(input, { inferSchemaLength: 0, missingUtf8IsEmptyString: true });
// A NULL as the empty string (a no-op for the CSV, read without NULLs).
const text = (column) => pl.col(column).fillNull(pl.lit(""));

if (workload === "w1") {
  scan()
    .filter(
      pl
        .col("Registration State")
        .eq(pl.lit("NJ"))
        .and(pl.col("Vehicle Make").eq(pl.lit("FORD")))
        .and(pl.col("Issuing Agency").eq(pl.lit("P"))),
    )
    .select(
      pl.col("Vehicle Make").alias("vehicle_make"),
      pl.lit("police").alias("issuing_agency"),
      pl
        .concatString([text("House Number"), text("Street Name"), text("Registration State")], ", ")
        .alias("address"),
    )
    .sinkCSV(output)
    .collectSync();
} else if (workload === "w2") {
  // A Date is days since the epoch: the difference of the two as Int32 is the
  // days between them.
  const issued = pl.col("Issue Date").str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d");
  const expires = pl.col("Vehicle Expiration Date").str.strptime(pl.Date, "%Y%m%d");
  scan()
    .withColumns(
      pl
        .when(issued.isNull().or(expires.isNull()))
        .then(pl.lit(-1))
        .otherwise(expires.cast(pl.Int32).sub(issued.cast(pl.Int32)))
        .cast(pl.Int64)
        .alias("days_until_expiration"),
    )
    .sinkCSV(output)
    .collectSync();
} else if (workload === "w3") {
  scan()
    .groupBy(["Registration State", "Violation Code"])
    .agg(pl.len().alias("count"))
    .select(
      pl.col("Registration State").alias("registration_state"),
      pl.col("Violation Code").alias("violation_code"),
      pl.col("count"),
    )
    .sort(["count", "registration_state", "violation_code"], [true, false, false])
    .collectSync()
    .writeCSV(output);
} else if (workload === "w4") {
  // Tickets per plate (millions of groups), largest first, plate_id breaking
  // ties; min/max of the date as text (ISO: text order is time order).
  scan()
    .groupBy("Plate ID")
    .agg(
      pl.len().alias("tickets"),
      pl.col("Issue Date").min().alias("first_issue"),
      pl.col("Issue Date").max().alias("last_issue"),
    )
    .select(
      pl.col("Plate ID").alias("plate_id"),
      pl.col("tickets"),
      pl.col("first_issue"),
      pl.col("last_issue"),
    )
    .sort(["tickets", "plate_id"], [true, false])
    .sinkCSV(output)
    .collectSync();
} else if (workload === "w5") {
  // Every row by issue date then summons number; maintainOrder: equal keys
  // keep their input order, as in sluice.
  scan()
    .sort(["Issue Date", "Summons Number"], false, true, true)
    .sinkCSV(output)
    .collectSync();
} else if (workload === "w6") {
  // Tickets with their plate's registration (inner join on Plate ID).
  const registrations = pl
    .scanCSV(right, { inferSchemaLength: 0, missingUtf8IsEmptyString: true })
    .select(
      pl.col("Plate ID"),
      pl.col("Owner ZIP").alias("owner_zip"),
      pl.col("Vehicle Year").alias("vehicle_year"),
      pl.col("Vehicle Make").alias("registered_make"),
    );
  scan()
    .select("Summons Number", "Plate ID", "Registration State", "Issue Date", "Violation Code")
    .join(registrations, { on: "Plate ID", how: "inner" })
    .sinkCSV(output)
    .collectSync();
} else {
  console.error(`unknown workload ${workload}`);
  process.exit(2);
}
