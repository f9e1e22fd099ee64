#pragma once
// One spdlog logger per component ("coordinator", "worker", ...). Messages
// carry key=value pairs; nothing is logged per row.

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace sluice {

enum class LogFormat { kText, kJson };

// Configures every logger created afterwards (stderr, level, format).
void configure_logging(LogFormat format, const std::string& level);

// The logger of a component, created on first use.
std::shared_ptr<spdlog::logger> logger(const std::string& component);

}  // namespace sluice
