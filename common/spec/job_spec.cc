#include "common/spec/job_spec.h"

namespace sluice {

std::string SpecLocation::to_string() const {
  std::string text = file;
  if (line > 0) text += ":" + std::to_string(line);
  if (!key.empty()) text += ": " + key;
  return text;
}

const char* join_how_name(JoinHow how) {
  switch (how) {
    case JoinHow::kInner:
      return "inner";
    case JoinHow::kLeft:
      return "left";
    case JoinHow::kRight:
      return "right";
    case JoinHow::kFull:
      return "full";
    case JoinHow::kSemi:
      return "semi";
    case JoinHow::kAnti:
      return "anti";
  }
  return "unknown";
}

}  // namespace sluice
