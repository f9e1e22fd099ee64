#pragma once
// Hive's escaping of a path name, written out here from its rule (Spark's
// ExternalCatalogUtils.escapePathName) rather than taken from the engine, so
// tests of what sluice writes (partition_by) and reads (Hive inputs) check
// it against the rule.

#include <cstdio>
#include <string>

namespace sluice::testing {

inline std::string hive_escape(const std::string& text) {
  const std::string special = "\"#%'*/:=?\\{[]^";
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F || special.find(static_cast<char>(c)) != std::string::npos) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace sluice::testing
