#include "tools/gen/value_tables.h"

namespace sluice::gen {
namespace {

bool needs_quotes(std::string_view field) {
  return field.find_first_of(",\"\n\r") != std::string_view::npos;
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

}  // namespace

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

Choice uniform_choice(const std::vector<std::string>& values) {
  std::vector<std::pair<std::string, uint32_t>> weighted;
  for (const auto& value : values) weighted.emplace_back(value, 1);
  return Choice(weighted);
}

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

const Tables& tables() {
  static const Tables instance = build_tables();
  return instance;
}

}  // namespace sluice::gen
