// The registrations generator (tools/gen/registrations_generator.h): the
// same bytes for a seed, one row per plate, 12 columns, plates of the
// parking tickets of the same seed (with their state) and some never
// ticketed, some ticketed plates never registered.
#include "tools/gen/registrations_generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tools/gen/parking_generator.h"

namespace sluice::gen {
namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.push_back("");
  return fields;
}

std::vector<std::vector<std::string>> rows_of(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) rows.push_back(split(line));
  return rows;
}

TEST(RegistrationsGenerator, SameSeedSameBytesOtherSeedOtherBytes) {
  auto first = registrations_csv({2000, 5});
  auto again = registrations_csv({2000, 5});
  auto other = registrations_csv({2000, 6});
  ASSERT_TRUE(first.is_ok() && again.is_ok() && other.is_ok());
  EXPECT_EQ(first.value(), again.value());
  EXPECT_NE(first.value(), other.value());
  // A shorter run is a prefix: rows do not depend on how many follow.
  auto shorter = registrations_csv({500, 5});
  ASSERT_TRUE(shorter.is_ok());
  EXPECT_EQ(first->substr(0, shorter->size()), shorter.value());
}

TEST(RegistrationsGenerator, OneRowPerPlateOfTheTicketsAndOthers) {
  const uint64_t rows = 20000;
  auto text = registrations_csv({rows, 9});
  ASSERT_TRUE(text.is_ok());
  const auto registrations = rows_of(text.value());
  ASSERT_EQ(registrations.size(), rows + 1);
  EXPECT_EQ(registrations[0], registrations_columns());
  // The tickets of the same seed: plate -> state.
  auto tickets = parking_csv({60000, 9, 0.0});
  ASSERT_TRUE(tickets.is_ok());
  std::map<std::string, std::string> ticketed;
  std::istringstream in(tickets.value());
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    const auto fields = split(line);
    ticketed.emplace(fields[1], fields[2]);
  }
  std::set<std::string> plates;
  size_t matched = 0;
  size_t same_state = 0;
  double bytes = 0;
  for (size_t row = 1; row < registrations.size(); ++row) {
    const auto& fields = registrations[row];
    ASSERT_EQ(fields.size(), registrations_columns().size()) << "row " << row;
    EXPECT_TRUE(plates.insert(fields[0]).second) << "plate " << fields[0] << " twice";
    EXPECT_NE(fields[0], "BLANKPLATE");
    EXPECT_EQ(fields[2].size(), 5u) << "ZIP " << fields[2];
    auto ticket = ticketed.find(fields[0]);
    if (ticket != ticketed.end()) {
      ++matched;
      // The state of the ticket that named it first (a plate drawn afresh
      // may also be some ticket's, with another state).
      if (fields[1] == ticket->second) ++same_state;
    }
    for (const auto& field : fields) bytes += field.size() + 1;
  }
  // About 7 in 8 rows are ticketed plates; the rest mostly never ticketed.
  EXPECT_GT(matched, rows * 80 / 100);
  EXPECT_LT(matched, rows * 95 / 100);
  EXPECT_GT(same_state, matched * 95 / 100);
  // Some ticketed plates (among the first tickets) are never registered.
  size_t missing = 0;
  size_t looked = 0;
  for (const auto& [plate, state] : ticketed) {
    if (++looked > 5000) break;
    if (plate != "BLANKPLATE" && plates.count(plate) == 0) ++missing;
  }
  EXPECT_GT(missing, 0u);
  EXPECT_NEAR(bytes / rows, 95.0, 15.0);
}

}  // namespace
}  // namespace sluice::gen
