// `sluice coordinator` and `sluice worker`: the long-running roles.
#include <fmt/format.h>

#include <thread>

#include "common/base/log.h"
#include "coordinator/service.h"
#include "tools/cli/commands.h"
#include "tools/cli/report.h"
#include "tools/cli/signals.h"
#include "worker/service.h"

namespace sluice {

int coordinator_command(const CoordinatorFlags& flags) {
  if (!endpoint_flag_ok("--listen", flags.listen, proto::EndpointUse::kBind)) return kExitUsage;
  if (!flags.http.empty() && !host_port_flag_ok("--http", flags.http, proto::EndpointUse::kBind)) {
    return kExitUsage;
  }
  install_stop_signals();
  CoordinatorOptions options;
  options.listen = flags.listen;
  options.state_dir = flags.state_dir;
  options.curve_secret_path = flags.curve_secret;
  options.authorized_keys_path = flags.authorized_keys;
  options.http_address = flags.http;
  auto service = CoordinatorService::open(options);
  if (!service.is_ok()) {
    report_error(service.status().message());
    return kExitJobFailed;
  }
  std::string keys;
  if (!flags.curve_secret.empty())
    keys = " --curve-secret WORKER.key --coordinator-key COORDINATOR.pub";
  const std::string join =
      fmt::format("sluice worker --coordinator {}{}", service.value()->endpoint(), keys);
  const int http_port = service.value()->http_port();
  if (log_format() == LogFormat::kJson) {
    auto log = logger("coordinator");
    log->info("coordinator ready endpoint={} join={}", service.value()->endpoint(), join);
    if (http_port > 0)
      log->info("operations surface on http port {} http_port={}", http_port, http_port);
  } else {
    fmt::print(stderr, "sluice coordinator ready; join workers with:\n  {}\n", join);
    if (http_port > 0) fmt::print(stderr, "operations surface on http port {}\n", http_port);
  }
  Status status = service.value()->run(stop_requested());
  if (!status.is_ok()) {
    report_error("coordinator stopped: " + status.to_string());
    return kExitJobFailed;
  }
  return kExitOk;
}

int worker_command(const WorkerFlags& flags) {
  if (!endpoint_flag_ok("--coordinator", flags.connect.coordinator, proto::EndpointUse::kConnect)) {
    return kExitUsage;
  }
  install_stop_signals();
  WorkerOptions options;
  options.coordinator = flags.connect.coordinator;
  options.curve_secret_path = flags.connect.curve_secret;
  options.coordinator_key_path = flags.connect.coordinator_key;
  options.slots =
      flags.slots == 0 ? std::max(1u, std::thread::hardware_concurrency()) : flags.slots;
  Status status = run_worker(options, stop_requested());
  if (!status.is_ok()) {
    report_error("worker stopped: " + status.to_string());
    return kExitJobFailed;
  }
  return kExitOk;
}

}  // namespace sluice
