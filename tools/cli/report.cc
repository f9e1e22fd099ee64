#include "tools/cli/report.h"

#include <fmt/format.h>

#include "common/base/log.h"

namespace sluice {
namespace {

bool flag_ok(const std::string& flag, const std::string& value, const Status& status) {
  if (status.is_ok()) return true;
  report_error(fmt::format("{} '{}': {}", flag, value, status.message()));
  return false;
}

}  // namespace

void report_error(const std::string& message) {
  if (log_format() == LogFormat::kJson) {
    logger("sluice")->error("{}", message);
  } else {
    fmt::print(stderr, "sluice: {}\n", message);
  }
}

void report_info(const std::string& message) {
  if (log_format() == LogFormat::kJson) {
    logger("sluice")->info("{}", message);
  } else {
    fmt::print(stderr, "sluice: {}\n", message);
  }
}

bool endpoint_flag_ok(const std::string& flag, const std::string& value, proto::EndpointUse use) {
  return flag_ok(flag, value, proto::check_endpoint(value, use));
}

bool host_port_flag_ok(const std::string& flag, const std::string& value, proto::EndpointUse use) {
  return flag_ok(flag, value, proto::check_host_port(value, use));
}

}  // namespace sluice
