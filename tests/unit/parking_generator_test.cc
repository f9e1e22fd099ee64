// Tests of the synthetic NYC parking-violations generator (tools/gen).
// The CSV is parsed here by a small independent RFC 4180 reader, so these
// tests do not depend on common/csv.

#include "tools/gen/parking_generator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace sluice::gen {
namespace {

using Record = std::vector<std::string>;

// Parses RFC 4180 text with '\n' line ends. Fails the test on malformed input.
std::vector<Record> parse_csv(const std::string& text) {
  std::vector<Record> records;
  Record record;
  std::string field;
  size_t i = 0;
  const size_t n = text.size();
  bool record_open = false;
  while (i < n) {
    record_open = true;
    if (text[i] == '"') {
      ++i;
      while (true) {
        if (i >= n) {
          ADD_FAILURE() << "unterminated quoted field at record " << records.size();
          return records;
        }
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
          } else {
            ++i;
            break;
          }
        } else {
          field.push_back(text[i++]);
        }
      }
      if (i < n && text[i] != ',' && text[i] != '\n') {
        ADD_FAILURE() << "text after a closing quote at byte " << i;
        return records;
      }
    } else {
      while (i < n && text[i] != ',' && text[i] != '\n') {
        if (text[i] == '"') {
          ADD_FAILURE() << "quote inside an unquoted field at byte " << i;
          return records;
        }
        field.push_back(text[i++]);
      }
    }
    record.push_back(std::move(field));
    field.clear();
    if (i < n && text[i] == ',') {
      ++i;
      if (i == n) record.emplace_back();
      continue;
    }
    if (i < n) ++i;  // '\n'
    records.push_back(std::move(record));
    record.clear();
    record_open = false;
  }
  if (record_open) records.push_back(std::move(record));
  return records;
}

std::string generate(const ParkingOptions& options) {
  Result<std::string> text = parking_csv(options);
  EXPECT_TRUE(text.is_ok()) << text.status().to_string();
  return text.is_ok() ? text.value() : std::string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "/parking_generator_test_" + std::to_string(::getpid()) + "_" +
         name;
}

size_t column_index(const std::string& name) {
  const auto& columns = parking_columns();
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return i;
  }
  ADD_FAILURE() << "no column " << name;
  return 0;
}

TEST(ParkingGenerator, ColumnsAreTheRealHeaderInOrder) {
  const auto& columns = parking_columns();
  ASSERT_EQ(columns.size(), 43u);
  EXPECT_EQ(columns.front(), "Summons Number");
  EXPECT_EQ(columns[2], "Registration State");
  EXPECT_EQ(columns[4], "Issue Date");
  EXPECT_EQ(columns[7], "Vehicle Make");
  EXPECT_EQ(columns[8], "Issuing Agency");
  EXPECT_EQ(columns[12], "Vehicle Expiration Date");
  EXPECT_EQ(columns[23], "House Number");
  EXPECT_EQ(columns[24], "Street Name");
  EXPECT_EQ(columns[30], "Days Parking In Effect    ");
  EXPECT_EQ(columns.back(), "Double Parking Violation");
}

TEST(ParkingGenerator, FileStartsWithTheExactHeaderLine) {
  const std::string path = temp_path("header.csv");
  ParkingOptions options;
  options.rows = 10;
  ASSERT_TRUE(write_parking_csv(path, options).is_ok());
  const std::string text = read_file(path);
  std::remove(path.c_str());
  const std::string expected_header =
      "Summons Number,Plate ID,Registration State,Plate Type,Issue Date,Violation Code,"
      "Vehicle Body Type,Vehicle Make,Issuing Agency,Street Code1,Street Code2,Street Code3,"
      "Vehicle Expiration Date,Violation Location,Violation Precinct,Issuer Precinct,Issuer Code,"
      "Issuer Command,Issuer Squad,Violation Time,Time First Observed,Violation County,"
      "Violation In Front Of Or Opposite,House Number,Street Name,Intersecting Street,"
      "Date First Observed,Law Section,Sub Division,Violation Legal Code,"
      "Days Parking In Effect    ,From Hours In Effect,To Hours In Effect,Vehicle Color,"
      "Unregistered Vehicle?,Vehicle Year,Meter Number,Feet From Curb,Violation Post Code,"
      "Violation Description,No Standing or Stopping Violation,Hydrant Violation,"
      "Double Parking Violation\n";
  ASSERT_GE(text.size(), expected_header.size());
  EXPECT_EQ(text.substr(0, expected_header.size()), expected_header);
  EXPECT_EQ(text.back(), '\n');
}

TEST(ParkingGenerator, FileAndMemoryOutputAreIdentical) {
  const std::string path = temp_path("same.csv");
  ParkingOptions options;
  options.rows = 3000;
  options.seed = 7;
  options.multiline_rate = 0.01;
  ASSERT_TRUE(write_parking_csv(path, options).is_ok());
  const std::string from_file = read_file(path);
  std::remove(path.c_str());
  EXPECT_EQ(from_file, generate(options));
}

TEST(ParkingGenerator, SameSeedGivesSameBytes) {
  ParkingOptions options;
  options.rows = 5000;
  options.seed = 42;
  options.multiline_rate = 0.02;
  const std::string first = generate(options);
  const std::string second = generate(options);
  EXPECT_EQ(first.size(), second.size());
  EXPECT_TRUE(first == second);
}

TEST(ParkingGenerator, DifferentSeedGivesDifferentBytes) {
  ParkingOptions options;
  options.rows = 1000;
  options.seed = 1;
  const std::string first = generate(options);
  options.seed = 2;
  const std::string second = generate(options);
  EXPECT_FALSE(first == second);
}

TEST(ParkingGenerator, MoreRowsExtendTheSameStream) {
  // A prefix property: the first N rows do not depend on how many follow.
  ParkingOptions options;
  options.rows = 500;
  const std::string shorter = generate(options);
  options.rows = 800;
  const std::string longer = generate(options);
  EXPECT_EQ(longer.substr(0, shorter.size()), shorter);
}

TEST(ParkingGenerator, EveryRecordHas43Fields) {
  for (double rate : {0.0, 0.05}) {
    ParkingOptions options;
    options.rows = 20000;
    options.seed = 3;
    options.multiline_rate = rate;
    const std::vector<Record> records = parse_csv(generate(options));
    ASSERT_EQ(records.size(), options.rows + 1) << "multiline_rate=" << rate;
    EXPECT_EQ(records[0], parking_columns());
    for (size_t i = 0; i < records.size(); ++i) {
      ASSERT_EQ(records[i].size(), 43u) << "record " << i << " multiline_rate=" << rate;
    }
  }
}

TEST(ParkingGenerator, ZeroRowsWritesOnlyTheHeader) {
  ParkingOptions options;
  options.rows = 0;
  const std::vector<Record> records = parse_csv(generate(options));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0], parking_columns());
}

TEST(ParkingGenerator, DistributionsLookLikeFiscalYear2018) {
  ParkingOptions options;
  options.rows = 20000;
  options.seed = 11;
  const std::vector<Record> records = parse_csv(generate(options));
  ASSERT_EQ(records.size(), options.rows + 1);
  const size_t state = column_index("Registration State");
  const size_t make = column_index("Vehicle Make");
  const size_t agency = column_index("Issuing Agency");
  const size_t issue_date = column_index("Issue Date");
  const size_t expiration = column_index("Vehicle Expiration Date");
  const size_t code = column_index("Violation Code");
  const size_t house = column_index("House Number");
  const size_t street = column_index("Street Name");
  std::map<std::string, size_t> states, makes, agencies, expirations;
  size_t fiscal_year = 0, empty_house = 0, street_comma = 0, street_quote = 0, nj_ford_police = 0;
  for (size_t i = 1; i < records.size(); ++i) {
    const Record& r = records[i];
    ++states[r[state]];
    ++makes[r[make]];
    ++agencies[r[agency]];
    ++expirations[r[expiration]];
    ASSERT_EQ(r[issue_date].size(), 23u) << r[issue_date];
    EXPECT_EQ(r[issue_date].substr(10), "T00:00:00.000");
    const std::string day = r[issue_date].substr(0, 10);
    if (day >= "2017-07-01" && day <= "2018-06-30") ++fiscal_year;
    const int violation = std::stoi(r[code]);
    EXPECT_GE(violation, 1);
    EXPECT_LE(violation, 99);
    if (r[house].empty()) ++empty_house;
    if (r[street].find(',') != std::string::npos) ++street_comma;
    if (r[street].find('"') != std::string::npos) ++street_quote;
    EXPECT_EQ(r[street].find('\n'), std::string::npos);
    if (r[state] == "NJ" && r[make] == "FORD" && r[agency] == "P") ++nj_ford_police;
  }
  const double rows = static_cast<double>(options.rows);
  const double nj = static_cast<double>(states["NJ"]) / rows;
  std::printf("NJ=%.4f NY=%.4f FORD=%.4f T=%.4f P=%.4f fy=%.4f nj_ford_police=%zu\n", nj,
              states["NY"] / rows, makes["FORD"] / rows, agencies["T"] / rows, agencies["P"] / rows,
              fiscal_year / rows, nj_ford_police);
  EXPECT_GE(nj, 0.06);
  EXPECT_LE(nj, 0.12);
  EXPECT_GT(states["NY"] / rows, 0.70);
  EXPECT_LT(states["NY"] / rows, 0.84);
  EXPECT_GT(states["99"], 0u);
  EXPECT_GT(makes["FORD"], 0u);
  EXPECT_GT(makes["FORD"] / rows, 0.08);
  EXPECT_GT(agencies["T"] / rows, 0.78);
  EXPECT_GT(agencies["P"], 0u);
  EXPECT_GT(fiscal_year / rows, 0.85);
  EXPECT_LT(fiscal_year, options.rows);  // some outliers
  EXPECT_GT(expirations["0"], 0u);
  EXPECT_GT(expirations["88888888"] / rows, 0.05);
  EXPECT_GT(empty_house, 0u);
  EXPECT_GT(street_comma, 0u);
  EXPECT_GT(street_quote, 0u);
  EXPECT_GT(nj_ford_police, 0u);
}

TEST(ParkingGenerator, MultilineRateProducesEmbeddedNewlines) {
  ParkingOptions options;
  options.rows = 10000;
  options.seed = 5;
  options.multiline_rate = 0.1;
  const std::vector<Record> records = parse_csv(generate(options));
  ASSERT_EQ(records.size(), options.rows + 1);
  size_t multiline = 0;
  for (size_t i = 1; i < records.size(); ++i) {
    for (const std::string& field : records[i]) {
      if (field.find('\n') == std::string::npos) continue;
      ++multiline;
      EXPECT_NE(field.find('"'), std::string::npos) << field;
      EXPECT_NE(field.find(','), std::string::npos) << field;
    }
  }
  EXPECT_GT(multiline, 800u);
  EXPECT_LT(multiline, 1200u);
}

TEST(ParkingGenerator, AverageRowIsAbout200Bytes) {
  ParkingOptions options;
  options.rows = 20000;
  options.seed = 9;
  const std::string text = generate(options);
  const size_t header_bytes = text.find('\n') + 1;
  const double average = static_cast<double>(text.size() - header_bytes) / options.rows;
  std::printf("average row bytes=%.1f\n", average);
  EXPECT_GE(average, 150.0);
  EXPECT_LE(average, 260.0);
}

TEST(ParkingGenerator, RejectsMultilineRateOutsideZeroToOne) {
  ParkingOptions options;
  options.multiline_rate = 1.5;
  EXPECT_EQ(parking_csv(options).status().code(), StatusCode::kInvalidArgument);
  options.multiline_rate = -0.1;
  EXPECT_EQ(write_parking_csv(temp_path("bad.csv"), options).code(), StatusCode::kInvalidArgument);
}

TEST(ParkingGenerator, ReportsAnUnwritablePath) {
  ParkingOptions options;
  const Status status = write_parking_csv("/nonexistent-dir/parking.csv", options);
  EXPECT_EQ(status.code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace sluice::gen
