#include "tools/gen/parking_generator.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>

namespace sluice::gen {
namespace {

// ---------------------------------------------------------------------------
// Randomness: splitmix64 seeds xoshiro256**. Everything downstream is integer
// arithmetic, so a seed gives the same bytes on every platform and compiler.

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t state = seed;
    for (auto& word : state_) word = splitmix64(state);
  }

  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, bound), bound > 0 (Lemire's multiply-shift, bias < 2^-40).
  uint64_t below(uint64_t bound) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> state_{};
};

// ---------------------------------------------------------------------------
// Output helpers: write into a buffer known to have room (see kRowBytesMax).

bool needs_quotes(std::string_view field) {
  return field.find_first_of(",\"\n\r") != std::string_view::npos;
}

// RFC 4180: a field holding a comma, quote or line break is quoted and its
// quotes doubled.
std::string csv_encode(std::string_view field) {
  if (!needs_quotes(field)) return std::string(field);
  std::string out;
  out.reserve(field.size() + 8);
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

char* put(char* p, std::string_view text) {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}

char* put_uint(char* p, uint64_t value) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) *p++ = digits[--n];
  return p;
}

char* put_2digits(char* p, unsigned value) {
  p[0] = static_cast<char>('0' + value / 10);
  p[1] = static_cast<char>('0' + value % 10);
  return p + 2;
}

char* put_4digits(char* p, unsigned value) {
  p = put_2digits(p, value / 100);
  return put_2digits(p, value % 100);
}

// ---------------------------------------------------------------------------
// Calendar (Howard Hinnant's civil-date algorithms), days since 1970-01-01.

struct CivilDate {
  int year;
  unsigned month;
  unsigned day;
};

int64_t days_from_civil(int year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

CivilDate civil_from_days(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const int year = static_cast<int>(year_of_era + era * 400) + (month <= 2);
  return {year, month, day};
}

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

Choice uniform_choice(const std::vector<std::string>& values) {
  std::vector<std::pair<std::string, uint32_t>> weighted;
  for (const auto& value : values) weighted.emplace_back(value, 1);
  return Choice(weighted);
}

std::string ordinal(int n) {
  const int last_two = n % 100;
  const int last = n % 10;
  const char* suffix = "th";
  if (last_two < 11 || last_two > 13) {
    if (last == 1) suffix = "st";
    if (last == 2) suffix = "nd";
    if (last == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

std::string upper(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return text;
}

// Street names: numbered streets and avenues in the real file's two styles
// ("W 43rd St" and "W 43RD ST") plus named streets; BROADWAY is the most
// ticketed street and gets its own weight.
std::vector<std::string> street_names() {
  std::vector<std::string> names;
  for (int n = 1; n <= 125; ++n) {
    for (const char* side : {"E ", "W "}) {
      std::string name = std::string(side) + ordinal(n) + " St";
      names.push_back(n % 3 == 0 ? upper(name) : name);
    }
  }
  for (int n = 1; n <= 12; ++n) {
    names.push_back(ordinal(n) + " Ave");
    names.push_back(upper(ordinal(n) + " AVE"));
  }
  for (int n = 1; n <= 60; n += 3) names.push_back(ordinal(n) + " Ave");  // Queens/Brooklyn
  for (const char* name : {"Lexington Ave",
                           "Madison Ave",
                           "Park Ave",
                           "Amsterdam Ave",
                           "Columbus Ave",
                           "Lenox Ave",
                           "Atlantic Ave",
                           "Flatbush Ave",
                           "Nostrand Ave",
                           "Fulton St",
                           "Canal St",
                           "Delancey St",
                           "Queens Blvd",
                           "Northern Blvd",
                           "Jamaica Ave",
                           "Hillside Ave",
                           "Grand Concourse",
                           "Fordham Rd",
                           "Jerome Ave",
                           "Webster Ave",
                           "Victory Blvd",
                           "Hylan Blvd",
                           "Richmond Ave",
                           "Ocean Pkwy",
                           "Eastern Pkwy",
                           "Kings Hwy",
                           "Bedford Ave",
                           "Myrtle Ave",
                           "Roosevelt Ave",
                           "Steinway St",
                           "Court St",
                           "Church Ave",
                           "Utica Ave",
                           "Pennsylvania Ave",
                           "Linden Blvd",
                           "Liberty Ave",
                           "Merrick Blvd",
                           "Sutphin Blvd",
                           "Main St",
                           "Union Tpke",
                           "Bruckner Blvd",
                           "ST NICHOLAS AVE",
                           "FREDERICK DOUGLASS BLVD",
                           "ADAM CLAYTON POWELL JR BLVD",
                           "WALL ST",
                           "WATER ST",
                           "PEARL ST",
                           "BROAD ST",
                           "CHAMBERS ST",
                           "HOUSTON ST",
                           "BOWERY",
                           "ALLEN ST",
                           "ESSEX ST",
                           "CENTRAL PARK WEST",
                           "RIVERSIDE DR",
                           "WEST END AVE",
                           "YORK AVE",
                           "FIRST AVE",
                           "SECOND AVE",
                           "THIRD AVE",
                           "ASTORIA BLVD",
                           "DITMARS BLVD",
                           "METROPOLITAN AVE",
                           "GRAND ST",
                           "BROOKLYN AVE",
                           "CONEY ISLAND AVE",
                           "FLATLANDS AVE",
                           "BAY PKWY"}) {
    names.push_back(name);
  }
  return names;
}

// Street names holding a comma or a double quote: they exercise RFC 4180
// quoting in ordinary records (no newline involved).
const std::vector<std::string>& comma_street_names() {
  static const std::vector<std::string> names = {
      "BROADWAY, N/B",     "E 14th St, W/B",       "Queens Blvd, S/R", "5th Ave, S/B",
      "Atlantic Ave, E/B", "W 42nd St, E/B",       "FDR DR, S/B",      "Grand Concourse, N/B",
      "Flatbush Ave, EXT", "Northern Blvd, SVC RD"};
  return names;
}

const std::vector<std::string>& quote_street_names() {
  static const std::vector<std::string> names = {"ST NICHOLAS \"A\" AVE", "\"W\" 42ND ST",
                                                 "1st Ave \"S/B\"", "\"E\" 23rd St, W/B",
                                                 "O\"DONNELL PL"};
  return names;
}

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

std::vector<std::pair<std::string, uint32_t>> violation_code_weights() {
  // Weights per 100000: the ten most common codes of FY2018 carry ~75%.
  std::vector<std::pair<std::string, uint32_t>> weights;
  std::array<uint32_t, 100> weight{};
  for (int code = 1; code <= 99; ++code) weight[code] = 60;
  weight[21] = 13500;
  weight[38] = 10000;
  weight[14] = 9000;
  weight[36] = 8500;
  weight[37] = 7000;
  weight[20] = 6000;
  weight[46] = 5800;
  weight[71] = 5000;
  weight[40] = 4200;
  weight[7] = 4000;
  for (int code : {19, 16, 70, 31, 47, 69, 50, 48}) weight[code] = 1800;
  for (int code : {17, 84, 42, 10, 51, 53, 24, 85, 78, 45, 98, 74, 61, 67, 68, 82, 8, 9}) {
    weight[code] = 500;
  }
  for (int code = 1; code <= 99; ++code) weights.emplace_back(std::to_string(code), weight[code]);
  return weights;
}

Tables build_tables() {
  Tables t;
  t.registration_state = Choice(
      {{"NY", 7700}, {"NJ", 900}, {"PA", 280}, {"CT", 140}, {"FL", 130}, {"MA", 70}, {"IN", 60},
       {"VA", 55},   {"MD", 50},  {"NC", 50},  {"TX", 40},  {"IL", 35},  {"GA", 35}, {"99", 30},
       {"AZ", 25},   {"OH", 25},  {"CA", 25},  {"ME", 20},  {"SC", 20},  {"MN", 20}, {"OK", 20},
       {"TN", 20},   {"DE", 15},  {"MI", 15},  {"RI", 15},  {"NH", 10},  {"VT", 10}, {"AL", 10},
       {"WA", 10},   {"QB", 10},  {"ON", 10},  {"DP", 10}});
  t.plate_type = Choice({{"PAS", 7300},
                         {"COM", 1800},
                         {"OMT", 400},
                         {"OMS", 150},
                         {"SRF", 70},
                         {"999", 60},
                         {"OMR", 40},
                         {"APP", 30},
                         {"MOT", 20},
                         {"ORG", 20},
                         {"LMB", 20},
                         {"TRC", 20},
                         {"SPO", 20},
                         {"PSD", 20},
                         {"CMB", 15}});
  t.violation_code = Choice(violation_code_weights());
  t.body_type = Choice({{"SUBN", 3400},
                        {"4DSD", 2800},
                        {"VAN", 1400},
                        {"DELV", 700},
                        {"PICK", 500},
                        {"2DSD", 300},
                        {"SDN", 200},
                        {"REFG", 100},
                        {"TRAC", 100},
                        {"TAXI", 100},
                        {"UTIL", 100},
                        {"CONV", 50},
                        {"WAGO", 50},
                        {"BUS", 30},
                        {"TRLR", 30},
                        {"", 200}});
  t.make = Choice({{"FORD", 1200}, {"TOYOT", 1050}, {"HONDA", 980}, {"NISSA", 820}, {"CHEVR", 700},
                   {"FRUEH", 360}, {"DODGE", 330},  {"ME/BE", 320}, {"BMW", 280},   {"JEEP", 260},
                   {"HYUND", 250}, {"LEXUS", 240},  {"GMC", 230},   {"INTER", 200}, {"ACURA", 180},
                   {"SUBAR", 170}, {"INFIN", 160},  {"VOLKS", 160}, {"AUDI", 150},  {"CHRYS", 140},
                   {"KIA", 130},   {"MAZDA", 120},  {"ISUZU", 110}, {"LINCO", 100}, {"CADIL", 90},
                   {"MITSU", 80},  {"HIN", 70},     {"VOLVO", 70},  {"BUICK", 60},  {"ROVER", 50},
                   {"MERCU", 40},  {"PORSC", 30},   {"MINI", 30},   {"SMART", 20},  {"TESLA", 20},
                   {"", 60}});
  t.agency = Choice({{"T", 8500},
                     {"P", 500},
                     {"S", 300},
                     {"V", 250},
                     {"K", 150},
                     {"X", 100},
                     {"H", 60},
                     {"D", 50},
                     {"C", 40},
                     {"N", 30},
                     {"F", 20}});
  t.issuer_command =
      Choice({{"T102", 900}, {"T103", 800}, {"T106", 700}, {"T301", 600}, {"T401", 600},
              {"T201", 500}, {"T202", 400}, {"T501", 300}, {"T109", 300}, {"T302", 300},
              {"KN09", 200}, {"0014", 150}, {"0018", 150}, {"0013", 100}, {"0019", 100},
              {"0001", 100}, {"0075", 80},  {"0114", 80},  {"0109", 80},  {"", 1500}});
  t.county = Choice({{"NY", 3200}, {"K", 2200}, {"Q", 2100}, {"BX", 1400}, {"R", 300}, {"", 800}});
  t.front_or_opposite = Choice({{"F", 6500}, {"O", 2700}, {"", 800}});

  // Weights in units of 1/100 of a plain name: plain names together ~92%,
  // BROADWAY ~6%, names with a comma ~1.2%, with a doubled quote ~0.25%.
  std::vector<std::pair<std::string, uint32_t>> streets;
  const std::vector<std::string> plain = street_names();
  for (const auto& name : plain) streets.emplace_back(name, 100);
  const uint32_t per_mille = static_cast<uint32_t>(plain.size() * 100 / 920);
  streets.emplace_back("BROADWAY", per_mille * 60);
  for (const auto& name : comma_street_names()) {
    streets.emplace_back(name, per_mille * 12 / static_cast<uint32_t>(comma_street_names().size()));
  }
  for (const auto& name : quote_street_names()) {
    streets.emplace_back(name,
                         per_mille * 25 / 10 / static_cast<uint32_t>(quote_street_names().size()));
  }
  t.street = Choice(streets);

  std::vector<std::pair<std::string, uint32_t>> intersecting;
  intersecting.emplace_back("", 5000);
  for (size_t i = 0; i < plain.size(); i += 7) intersecting.emplace_back(plain[i], 40);
  for (const char* name : {"10ft N/of W 43rd St", "ALLEY", "20ft S/of E 14th St", "CORNER",
                           "50ft E/of Broadway", "BET 5th & 6th Ave"}) {
    intersecting.emplace_back(name, 200);
  }
  intersecting.emplace_back("E 35th St, E/B", 20);
  t.intersecting_street = Choice(intersecting);

  t.law_section = Choice({{"408", 8000}, {"1180", 1000}, {"1111", 600}, {"1110", 200}, {"", 200}});
  t.sub_division = uniform_choice({"l2", "C",  "D",  "E1", "f1", "j6", "K4", "l1", "E2", "D1",
                                   "F7", "h1", "c3", "b",  "E3", "I2", "k2", "F1", "C4", "A"});
  t.days_in_effect = Choice({{"BBBBBBB", 3000},
                             {"", 3000},
                             {"YYYYYYY", 1500},
                             {"Y", 1500},
                             {"YYYYYBB", 500},
                             {"BBBBBBY", 300},
                             {"YYYYYYB", 200}});
  t.from_hours = Choice({{"", 5000},
                         {"ALL", 1500},
                         {"0700A", 900},
                         {"0800A", 800},
                         {"1100A", 500},
                         {"0830A", 400},
                         {"0900A", 400},
                         {"0600A", 300},
                         {"0000A", 200}});
  t.to_hours = Choice({{"", 5000},
                       {"ALL", 1500},
                       {"0700P", 900},
                       {"0600P", 800},
                       {"1230P", 500},
                       {"0400P", 400},
                       {"0900A", 400},
                       {"1000P", 300},
                       {"1159P", 200}});
  t.color = Choice({{"GY", 1500},  {"WH", 1400}, {"BK", 1300},   {"WHITE", 900}, {"BLACK", 700},
                    {"GREY", 500}, {"BL", 500},  {"SILVE", 300}, {"RD", 300},    {"BROWN", 200},
                    {"BLUE", 200}, {"GR", 150},  {"RED", 150},   {"TN", 100},    {"OTHER", 100},
                    {"GL", 100},   {"YW", 50},   {"GREEN", 50},  {"GRAY", 50},   {"MR", 50},
                    {"", 300}});
  t.post_code = Choice({{"", 7500},
                        {"A 77", 300},
                        {"12", 300},
                        {"J 32", 300},
                        {"CC3", 300},
                        {"05", 300},
                        {"H 4", 300},
                        {"E 8", 300},
                        {"L 1", 200},
                        {"99", 200}});
  t.impossible_date =
      uniform_choice({"20180231", "20170931", "20180229", "20181131", "20170631", "20180230"});

  t.description[21] = "21-No Parking (street clean)";
  t.description[38] = "38-Failure to Display Muni Rec";
  t.description[14] = "14-No Standing";
  t.description[36] = "36-PHTO SCHOOL ZN SPEED VIOLATION";
  t.description[37] = "37-Expired Muni Meter";
  t.description[20] = "20A-No Parking (Non-COM)";
  t.description[46] = "46A-Double Parking (Non-COM)";
  t.description[71] = "71A-Insp Sticker Expired (NYS)";
  t.description[40] = "40-Fire Hydrant";
  t.description[7] = "7-Failure to Stop at Red Light";
  return t;
}

const Tables& tables() {
  static const Tables instance = build_tables();
  return instance;
}

// FY2018 runs 2017-07-01 .. 2018-06-30.
const int64_t kFiscalYearFirstDay = days_from_civil(2017, 7, 1);
const int64_t kFiscalYearDays = days_from_civil(2018, 7, 1) - kFiscalYearFirstDay;

// No record is longer than this (all pool values are short; checked by an
// assert per row).
constexpr size_t kRowBytesMax = 2048;

char* put_yyyymmdd(char* p, int64_t days) {
  const CivilDate date = civil_from_days(days);
  p = put_4digits(p, static_cast<unsigned>(date.year));
  p = put_2digits(p, date.month);
  return put_2digits(p, date.day);
}

char* put_time(char* p, Rng& rng) {  // 0752A
  p = put_2digits(p, static_cast<unsigned>(1 + rng.below(12)));
  p = put_2digits(p, static_cast<unsigned>(rng.below(60)));
  *p++ = rng.below(100) < 55 ? 'A' : 'P';
  return p;
}

char* put_upper_letters(char* p, Rng& rng, int count) {
  for (int i = 0; i < count; ++i) *p++ = static_cast<char>('A' + rng.below(26));
  return p;
}

char* put_digits(char* p, Rng& rng, int count) {
  for (int i = 0; i < count; ++i) *p++ = static_cast<char>('0' + rng.below(10));
  return p;
}

char* put_plate(char* p, Rng& rng) {
  const uint64_t style = rng.below(1000);
  if (style < 3) return put(p, "BLANKPLATE");
  if (style < 550) {  // NY passenger: GBB9093
    p = put_upper_letters(p, rng, 3);
    return put_digits(p, rng, 4);
  }
  if (style < 800) {  // commercial: 66623ME
    p = put_digits(p, rng, 5);
    return put_upper_letters(p, rng, 2);
  }
  if (style < 950) {  // NJ-like: A12BCD
    p = put_upper_letters(p, rng, 1);
    p = put_digits(p, rng, 2);
    return put_upper_letters(p, rng, 3);
  }
  p = put_digits(p, rng, 4);  // taxi/livery: 1234T
  *p++ = 'T';
  return p;
}

char* put_house_number(char* p, Rng& rng) {
  const uint64_t style = rng.below(100);
  if (style < 18) return p;  // empty
  if (style < 82) return put_uint(p, 1 + rng.below(rng.below(4) == 0 ? 9999 : 999));
  p = put_uint(p, 1 + rng.below(250));  // Queens style: 45-12
  *p++ = '-';
  return put_2digits(p, static_cast<unsigned>(1 + rng.below(99)));
}

// A quoted Street Name holding a newline, doubled quotes and a comma, e.g.
// "BROADWAY\n""NEAR"" W 43rd St, N/B" (raw: BROADWAY<LF>"NEAR" W 43rd St, N/B).
char* put_multiline_street(char* p, Rng& rng) {
  static const std::array<std::string_view, 4> kNotes = {"NEAR", "OPP", "REAR OF", "FRONT"};
  static const std::array<std::string_view, 4> kBounds = {"N/B", "S/B", "E/B", "W/B"};
  const Tables& t = tables();
  std::string raw;
  raw.reserve(128);
  raw.append(t.street.pick_raw(rng));
  raw.append("\n\"");
  raw.append(kNotes[rng.below(kNotes.size())]);
  raw.append("\" ");
  raw.append(t.street.pick_raw(rng));
  raw.append(", ");
  raw.append(kBounds[rng.below(kBounds.size())]);
  return put(p, csv_encode(raw));
}

class RowWriter {
 public:
  RowWriter(uint64_t seed, double multiline_rate)
      : rng_(seed),
        t_(tables()),
        multiline_per_million_(static_cast<uint64_t>(multiline_rate * 1000000.0 + 0.5)) {}

  // Writes one record ending in '\n'; `p` has at least kRowBytesMax of room.
  char* write(char* p) {
    char* const start = p;
    const bool multiline =
        multiline_per_million_ > 0 && rng_.below(1000000) < multiline_per_million_;
    // Summons Number: ten digits.
    static constexpr std::array<uint64_t, 5> kSummonsLead = {1, 4, 5, 7, 8};
    p = put_uint(p, kSummonsLead[rng_.below(kSummonsLead.size())] * 1000000000ULL +
                        rng_.below(1000000000ULL));
    *p++ = ',';
    p = put_plate(p, rng_);
    *p++ = ',';
    p = put(p, t_.registration_state.pick(rng_));
    *p++ = ',';
    p = put(p, t_.plate_type.pick(rng_));
    *p++ = ',';
    const int64_t issue_day = pick_issue_day();
    p = put_issue_date(p, issue_day);
    *p++ = ',';
    const std::string_view code = t_.violation_code.pick(rng_);
    p = put(p, code);
    *p++ = ',';
    p = put(p, t_.body_type.pick(rng_));
    *p++ = ',';
    p = put(p, t_.make.pick(rng_));
    *p++ = ',';
    p = put(p, t_.agency.pick(rng_));
    *p++ = ',';
    for (int i = 0; i < 3; ++i) {  // Street Code1..3
      p = put_uint(p, rng_.below(100) < 20 ? 0 : 10000 + rng_.below(90000));
      *p++ = ',';
    }
    p = put_expiration_date(p, issue_day);
    *p++ = ',';
    const uint64_t precinct = 1 + rng_.below(123);
    if (rng_.below(100) >= 15) p = put_uint(p, precinct);  // Violation Location
    *p++ = ',';
    p = put_uint(p, rng_.below(100) < 10 ? 0 : precinct);  // Violation Precinct
    *p++ = ',';
    p = put_uint(p, rng_.below(100) < 12 ? 0 : 1 + rng_.below(123));  // Issuer Precinct
    *p++ = ',';
    p = put_uint(p, rng_.below(100) < 30 ? 0 : 100000 + rng_.below(900000));  // Issuer Code
    *p++ = ',';
    p = put(p, t_.issuer_command.pick(rng_));
    *p++ = ',';
    if (rng_.below(100) >= 20) p = put_upper_letters(p, rng_, 1);  // Issuer Squad
    *p++ = ',';
    p = put_time(p, rng_);  // Violation Time
    *p++ = ',';
    if (rng_.below(100) < 20) p = put_time(p, rng_);  // Time First Observed
    *p++ = ',';
    p = put(p, t_.county.pick(rng_));
    *p++ = ',';
    p = put(p, t_.front_or_opposite.pick(rng_));
    *p++ = ',';
    p = put_house_number(p, rng_);
    *p++ = ',';
    p = multiline ? put_multiline_street(p, rng_) : put(p, t_.street.pick(rng_));
    *p++ = ',';
    p = put(p, t_.intersecting_street.pick(rng_));
    *p++ = ',';
    if (rng_.below(100) < 5) {  // Date First Observed
      p = put_yyyymmdd(p, issue_day);
    } else {
      *p++ = '0';
    }
    *p++ = ',';
    p = put(p, t_.law_section.pick(rng_));
    *p++ = ',';
    p = put(p, t_.sub_division.pick(rng_));
    *p++ = ',';
    if (rng_.below(100) < 15) *p++ = 'T';  // Violation Legal Code
    *p++ = ',';
    p = put(p, t_.days_in_effect.pick(rng_));
    *p++ = ',';
    p = put(p, t_.from_hours.pick(rng_));
    *p++ = ',';
    p = put(p, t_.to_hours.pick(rng_));
    *p++ = ',';
    p = put(p, t_.color.pick(rng_));
    *p++ = ',';
    if (rng_.below(100) < 10) *p++ = '0';  // Unregistered Vehicle?
    *p++ = ',';
    p = put_uint(p, rng_.below(100) < 25 ? 0 : 2018 - rng_.below(rng_.below(3) == 0 ? 30 : 12));
    *p++ = ',';
    const uint64_t meter = rng_.below(100);  // Meter Number
    if (meter < 15) {
      *p++ = '-';
    } else if (meter < 25) {
      p = put_digits(p, rng_, 3);
      *p++ = '-';
      p = put_digits(p, rng_, 4);
    }
    *p++ = ',';
    p = put_uint(p, rng_.below(100) < 95 ? 0 : 1 + rng_.below(15));  // Feet From Curb
    *p++ = ',';
    p = put(p, t_.post_code.pick(rng_));
    *p++ = ',';
    if (rng_.below(100) < 65) p = put(p, description(code));  // Violation Description
    // No Standing or Stopping, Hydrant, Double Parking: empty as in FY2018.
    p = put(p, ",,,\n");
    SLUICE_ASSERT(static_cast<size_t>(p - start) <= kRowBytesMax, "row bytes={}", p - start);
    return p;
  }

 private:
  int64_t pick_issue_day() {
    const uint64_t u = rng_.below(1000);
    if (u < 930) return kFiscalYearFirstDay + static_cast<int64_t>(rng_.below(kFiscalYearDays));
    if (u < 985) return kFiscalYearFirstDay - 1 - static_cast<int64_t>(rng_.below(365));
    if (u < 998)
      return kFiscalYearFirstDay + kFiscalYearDays + static_cast<int64_t>(rng_.below(365));
    // Typo outliers as in the real file: any day in 1990 .. 2069.
    const int64_t first = days_from_civil(1990, 1, 1);
    return first + static_cast<int64_t>(rng_.below(days_from_civil(2070, 1, 1) - first));
  }

  char* put_issue_date(char* p, int64_t days) {  // 2017-06-14T00:00:00.000
    const CivilDate date = civil_from_days(days);
    p = put_4digits(p, static_cast<unsigned>(date.year));
    *p++ = '-';
    p = put_2digits(p, date.month);
    *p++ = '-';
    p = put_2digits(p, date.day);
    return put(p, "T00:00:00.000");
  }

  char* put_expiration_date(char* p, int64_t issue_day) {
    const uint64_t u = rng_.below(10000);
    if (u < 300) {
      *p++ = '0';
      return p;
    }
    if (u < 1300) return put(p, "88888888");
    if (u < 1330) return put(p, t_.impossible_date.pick(rng_));
    return put_yyyymmdd(p, issue_day - 300 + static_cast<int64_t>(rng_.below(1100)));
  }

  std::string_view description(std::string_view code) const {
    int value = 0;
    for (char c : code) value = value * 10 + (c - '0');
    return t_.description[static_cast<size_t>(value)];
  }

  Rng rng_;
  const Tables& t_;
  uint64_t multiline_per_million_;
};

std::string header_line() {
  std::string line;
  for (const auto& name : parking_columns()) {
    if (!line.empty()) line.push_back(',');
    line.append(csv_encode(name));
  }
  line.push_back('\n');
  return line;
}

Status check_options(const ParkingOptions& options) {
  if (!(options.multiline_rate >= 0.0 && options.multiline_rate <= 1.0)) {
    return invalid_argument("multiline_rate must be in [0, 1], got " +
                            std::to_string(options.multiline_rate));
  }
  return Status::ok();
}

// Produces the whole file through `sink`, in chunks of about kChunkBytes.
constexpr size_t kChunkBytes = 4 << 20;

Status generate(const ParkingOptions& options,
                const std::function<Status(const char*, size_t)>& sink) {
  SLUICE_RETURN_IF_ERROR(check_options(options));
  const std::string header = header_line();
  SLUICE_RETURN_IF_ERROR(sink(header.data(), header.size()));
  std::unique_ptr<char[]> buffer(new char[kChunkBytes + kRowBytesMax]);
  char* p = buffer.get();
  RowWriter writer(options.seed, options.multiline_rate);
  for (uint64_t row = 0; row < options.rows; ++row) {
    p = writer.write(p);
    if (static_cast<size_t>(p - buffer.get()) >= kChunkBytes) {
      SLUICE_RETURN_IF_ERROR(sink(buffer.get(), static_cast<size_t>(p - buffer.get())));
      p = buffer.get();
    }
  }
  return sink(buffer.get(), static_cast<size_t>(p - buffer.get()));
}

}  // namespace

const std::vector<std::string>& parking_columns() {
  static const std::vector<std::string> columns = {
      "Summons Number",
      "Plate ID",
      "Registration State",
      "Plate Type",
      "Issue Date",
      "Violation Code",
      "Vehicle Body Type",
      "Vehicle Make",
      "Issuing Agency",
      "Street Code1",
      "Street Code2",
      "Street Code3",
      "Vehicle Expiration Date",
      "Violation Location",
      "Violation Precinct",
      "Issuer Precinct",
      "Issuer Code",
      "Issuer Command",
      "Issuer Squad",
      "Violation Time",
      "Time First Observed",
      "Violation County",
      "Violation In Front Of Or Opposite",
      "House Number",
      "Street Name",
      "Intersecting Street",
      "Date First Observed",
      "Law Section",
      "Sub Division",
      "Violation Legal Code",
      "Days Parking In Effect    ",
      "From Hours In Effect",
      "To Hours In Effect",
      "Vehicle Color",
      "Unregistered Vehicle?",
      "Vehicle Year",
      "Meter Number",
      "Feet From Curb",
      "Violation Post Code",
      "Violation Description",
      "No Standing or Stopping Violation",
      "Hydrant Violation",
      "Double Parking Violation",
  };
  return columns;
}

Status write_parking_csv(const std::string& path, const ParkingOptions& options) {
  SLUICE_RETURN_IF_ERROR(check_options(options));
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return io_error("cannot open " + path + " for writing: " + std::strerror(errno));
  }
  std::setvbuf(file, nullptr, _IONBF, 0);  // we hand fwrite 4 MiB chunks
  Status status = generate(options, [&](const char* data, size_t size) -> Status {
    if (size > 0 && std::fwrite(data, 1, size, file) != size) {
      return io_error("cannot write " + path + ": " + std::strerror(errno));
    }
    return Status::ok();
  });
  if (std::fclose(file) != 0 && status.is_ok()) {
    status = io_error("cannot close " + path + ": " + std::strerror(errno));
  }
  return status;
}

Result<std::string> parking_csv(const ParkingOptions& options) {
  std::string out;
  Status status = generate(options, [&](const char* data, size_t size) -> Status {
    out.append(data, size);
    return Status::ok();
  });
  if (!status.is_ok()) return status;
  return out;
}

}  // namespace sluice::gen
