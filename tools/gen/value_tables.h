#pragma once
// The generator's value pools: weighted choices of the real file's values
// (states, makes, agencies, violation codes and their descriptions, streets,
// colours, …), built once. Values are stored already CSV-encoded.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/assert.h"
#include "tools/gen/rng.h"

namespace sluice::gen {

// RFC 4180: a field holding a comma, quote or line break is quoted and its
// quotes doubled.
std::string csv_encode(std::string_view field);

// ---------------------------------------------------------------------------
// Weighted choices: a 4096-slot table maps 12 random bits to a value, each
// value holding slots in proportion to its weight. Values are stored already
// CSV-encoded, so the hot path is one lookup and one memcpy.

constexpr int kSlotBits = 12;
constexpr uint32_t kSlots = 1u << kSlotBits;

class Choice {
 public:
  Choice() = default;
  explicit Choice(const std::vector<std::pair<std::string, uint32_t>>& weighted) {
    uint64_t total = 0;
    for (const auto& [value, weight] : weighted) total += weight;
    SLUICE_ASSERT(total > 0, "a choice needs a positive total weight");
    SLUICE_ASSERT(weighted.size() < 65536, "too many values={}", weighted.size());
    uint64_t cumulative = 0;
    uint32_t slot = 0;
    for (size_t i = 0; i < weighted.size(); ++i) {
      raw_values_.push_back(weighted[i].first);
      values_.push_back(csv_encode(weighted[i].first));
      cumulative += weighted[i].second;
      const uint64_t end = cumulative * kSlots / total;
      for (; slot < end; ++slot) slots_[slot] = static_cast<uint16_t>(i);
    }
    SLUICE_ASSERT(slot == kSlots, "slots filled={}", slot);
  }

  // The value CSV-encoded, ready to write.
  std::string_view pick(Rng& rng) const { return values_[slots_[rng.next() >> (64 - kSlotBits)]]; }
  // The value as a reader sees it, unquoted.
  std::string_view pick_raw(Rng& rng) const {
    return raw_values_[slots_[rng.next() >> (64 - kSlotBits)]];
  }

 private:
  std::vector<std::string> raw_values_;
  std::vector<std::string> values_;
  std::array<uint16_t, kSlots> slots_{};
};

Choice uniform_choice(const std::vector<std::string>& values);

// Street names holding a comma or a double quote: they exercise RFC 4180
// quoting in ordinary records (no newline involved).
const std::vector<std::string>& comma_street_names();
const std::vector<std::string>& quote_street_names();

struct Tables {
  Choice registration_state;
  Choice plate_type;
  Choice violation_code;  // the code as text; also indexes descriptions
  Choice body_type;
  Choice make;
  Choice agency;
  Choice issuer_command;
  Choice county;
  Choice front_or_opposite;
  Choice street;
  Choice intersecting_street;
  Choice law_section;
  Choice sub_division;
  Choice days_in_effect;
  Choice from_hours;
  Choice to_hours;
  Choice color;
  Choice post_code;
  Choice impossible_date;
  std::array<std::string, 100> description;  // by violation code; empty if none
};

// The pools, built on first use.
const Tables& tables();

}  // namespace sluice::gen
