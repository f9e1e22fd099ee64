#include "common/base/log.h"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <unistd.h>

#include <mutex>

#include "common/base/log_json.h"

namespace sluice {
namespace {

std::mutex g_mutex;
LogFormat g_format = LogFormat::kText;
spdlog::level::level_enum g_level = spdlog::level::info;

// --log-format json: one object a line (common/base/log_json.h).
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const spdlog::string_view_t level = spdlog::level::to_string_view(msg.level);
    const std::string line =
        json_log_line(msg.time, std::string_view(level.data(), level.size()),
                      std::string_view(msg.logger_name.data(), msg.logger_name.size()), pid_,
                      std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }

 private:
  int pid_ = static_cast<int>(::getpid());
};

void apply(spdlog::logger& log) {
  log.set_level(g_level);
  if (g_format == LogFormat::kJson) {
    log.set_formatter(std::make_unique<JsonFormatter>());
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

LogFormat log_format() {
  std::lock_guard lock(g_mutex);
  return g_format;
}

std::shared_ptr<spdlog::logger> logger(const std::string& component) {
  std::lock_guard lock(g_mutex);
  if (auto existing = spdlog::get(component)) return existing;
  auto log = spdlog::stderr_logger_mt(component);
  apply(*log);
  return log;
}

}  // namespace sluice
