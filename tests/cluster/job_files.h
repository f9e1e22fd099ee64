#pragma once
// Job files used by the cluster tests, written into a test's directory.

#include <string>

namespace sluice::testing {

// W1 of the article over `input`, into `output`, with the given split size.
inline std::string w1_job(const std::string& input, const std::string& output,
                          const std::string& split_size) {
  return "name: w1-test\n"
         "input:\n"
         "  path: " +
         input +
         "\n"
         "  split_size: " +
         split_size +
         "\n"
         "steps:\n"
         "  - filter: \"\\\"Registration State\\\" = 'NJ' AND \\\"Vehicle Make\\\" = 'FORD' AND "
         "\\\"Issuing Agency\\\" = 'P'\"\n"
         "  - derive:\n"
         "      issuing_agency: \"CASE WHEN \\\"Issuing Agency\\\" = 'P' THEN 'police' ELSE "
         "\\\"Issuing Agency\\\" END\"\n"
         "      address: \"concat_ws(', ', \\\"House Number\\\", \\\"Street Name\\\", "
         "\\\"Registration State\\\")\"\n"
         "  - select: {vehicle_make: \"\\\"Vehicle Make\\\"\", issuing_agency: issuing_agency, "
         "address: address}\n"
         "output:\n"
         "  path: " +
         output + "\n";
}

// Every column through unchanged (select nothing away): exercises the reader.
inline std::string passthrough_job(const std::string& input, const std::string& output,
                                   const std::string& split_size) {
  return "name: passthrough-test\n"
         "input:\n"
         "  path: " +
         input +
         "\n"
         "  split_size: " +
         split_size +
         "\n"
         "output:\n"
         "  path: " +
         output + "\n";
}

// W3 of the article: tickets per (state, violation code), largest first.
// `extra`: lines appended to the output section (e.g. "  mode: overwrite\n").
inline std::string w3_job(const std::string& input, const std::string& output,
                          const std::string& split_size = "64KiB", const std::string& extra = "") {
  return "name: w3-test\n"
         "input:\n"
         "  path: " +
         input + "\n  split_size: " + split_size +
         "\n"
         "steps:\n"
         "  - aggregate:\n"
         "      by: [\"Registration State\", \"Violation Code\"]\n"
         "      aggs: {count: \"count(*)\"}\n"
         "  - select:\n"
         "      registration_state: \"\\\"Registration State\\\"\"\n"
         "      violation_code: \"\\\"Violation Code\\\"\"\n"
         "      count: \"\\\"count\\\"\"\n"
         "  - sort:\n"
         "      - count: desc\n"
         "      - registration_state: asc\n"
         "      - violation_code: asc\n"
         "output:\n"
         "  path: " +
         output + "\n" + extra;
}

// W5: every row, every column, by Issue Date then Summons Number (a global
// sort through the exchange).
inline std::string w5_job(const std::string& input, const std::string& output,
                          const std::string& split_size = "64KiB", const std::string& extra = "") {
  return "name: w5-test\n"
         "input:\n"
         "  path: " +
         input + "\n  split_size: " + split_size +
         "\n"
         "steps:\n"
         "  - sort: [{Issue Date: asc}, {Summons Number: asc}]\n"
         "output:\n"
         "  path: " +
         output + "\n" + extra;
}

// W6 as a left join: every ticket with its plate's registration, if any (a
// join of two inputs through the exchange).
inline std::string w6_job(const std::string& input, const std::string& registrations,
                          const std::string& output, const std::string& split_size = "64KiB") {
  return "name: w6-test\n"
         "input:\n"
         "  path: " +
         input + "\n  split_size: " + split_size +
         "\n"
         "steps:\n"
         "  - select: [Summons Number, Plate ID, Registration State, Issue Date]\n"
         "  - join:\n"
         "      input: {path: " +
         registrations + ", split_size: " + split_size +
         "}\n"
         "      on: {Plate ID: Plate ID}\n"
         "      how: left\n"
         "      columns: {owner_zip: Owner ZIP, registered_make: Vehicle Make}\n"
         "output:\n"
         "  path: " +
         output + "\n";
}

}  // namespace sluice::testing
