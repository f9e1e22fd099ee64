#pragma once
// One spdlog logger per component ("coordinator", "worker", ...). Messages
// carry key=value pairs; nothing is logged per row.

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace sluice {

enum class LogFormat { kText, kJson };

// Configures every logger, existing and created afterwards (stderr, level,
// format). Under kJson every line is one JSON object (common/base/log_json.h).
void configure_logging(LogFormat format, const std::string& level);
// The format configured last (kText before any configure_logging).
LogFormat log_format();

// The logger of a component, created on first use.
std::shared_ptr<spdlog::logger> logger(const std::string& component);

}  // namespace sluice
