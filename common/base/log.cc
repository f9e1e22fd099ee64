#include "common/base/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>

namespace sluice {
namespace {

std::mutex g_mutex;
LogFormat g_format = LogFormat::kText;
spdlog::level::level_enum g_level = spdlog::level::info;

void apply(spdlog::logger& log) {
  log.set_level(g_level);
  if (g_format == LogFormat::kJson) {
    log.set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","component":"%n","pid":%P,"msg":"%v"})");
  } else {
    log.set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n[%P] %v");
  }
}

}  // namespace

void configure_logging(LogFormat format, const std::string& level) {
  std::lock_guard lock(g_mutex);
  g_format = format;
  g_level = spdlog::level::from_str(level);
  spdlog::apply_all([](std::shared_ptr<spdlog::logger> log) { apply(*log); });
}

std::shared_ptr<spdlog::logger> logger(const std::string& component) {
  std::lock_guard lock(g_mutex);
  if (auto existing = spdlog::get(component)) return existing;
  auto log = spdlog::stderr_logger_mt(component);
  apply(*log);
  return log;
}

}  // namespace sluice
