// `sluice run`: embedded mode. A coordinator in this process (on an ephemeral
// loopback port), N worker processes started from this same binary, the job
// submitted and followed to its end. Running it again resumes the job from
// its state directory; a finished job publishes nothing new.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "common/base/log.h"
#include "common/base/signals.h"
#include "common/spec/job_spec.h"
#include "coordinator/service.h"
#include "tools/cli/client.h"
#include "tools/cli/commands.h"
#include "tools/cli/job_file.h"
#include "tools/cli/progress.h"
#include "tools/cli/report.h"
#include "tools/cli/signals.h"

namespace sluice {
namespace {

// Local worker processes, restarted when one dies so the job keeps its width.
class WorkerPool {
 public:
  // `on_exit(pid, signal)`: a worker process ended (signal 0: it exited).
  WorkerPool(std::string endpoint, uint32_t count, std::function<void(pid_t, int)> on_exit)
      : endpoint_(std::move(endpoint)), on_exit_(std::move(on_exit)) {
    pids_.assign(count, -1);
  }
  ~WorkerPool() { stop(); }

  void keep_alive() {
    for (pid_t& pid : pids_) {
      if (pid > 0) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) != pid) continue;
        if (WIFSIGNALED(status)) {
          logger("run")->warn("worker killed by signal {} ({}) pid={}; starting another",
                              WTERMSIG(status), signal_name(WTERMSIG(status)), pid);
          on_exit_(pid, WTERMSIG(status));
        } else {
          logger("run")->warn("worker exited status={} pid={}; starting another",
                              WEXITSTATUS(status), pid);
          on_exit_(pid, 0);
        }
      }
      pid = spawn();
    }
  }

  void stop() {
    for (pid_t pid : pids_) {
      if (pid > 0) ::kill(pid, SIGTERM);
    }
    for (pid_t& pid : pids_) {
      if (pid > 0) ::waitpid(pid, nullptr, 0);
      pid = -1;
    }
  }

 private:
  pid_t spawn() {
    // Everything the child needs is made before fork: only async-signal-safe
    // calls run between fork and exec (the parent has threads).
    // The workers log as this process does (--log-format may have come as
    // a flag, which the environment does not carry).
    const char* format = log_format() == LogFormat::kJson ? "json" : "text";
    std::vector<std::string> args = {"sluice",        "--log-format", format,    "worker",
                                     "--coordinator", endpoint_,      "--slots", "1"};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (const char* level = std::getenv("SLUICE_LOG_LEVEL"); level == nullptr) {
      ::setenv("SLUICE_LOG_LEVEL", "warn", 1);
    }
    // SIGTERM/SIGINT stay blocked across fork: a stop() that signals the
    // child before it execs must not land in the parent's stop-flag handler
    // (which exec would discard, leaving a worker that never exits).
    sigset_t stop_signals, previous;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    ::pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid != 0) {
      ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
      return pid;
    }
    // Child: default actions, then unblock (a pending SIGTERM ends it here),
    // die with the parent, then become `sluice worker`.
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }

  std::string endpoint_;
  std::function<void(pid_t, int)> on_exit_;
  std::vector<pid_t> pids_;
};

std::string default_state_dir(const JobSpec& spec) {
  std::string name;
  for (char c : spec.name)
    name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
  return ".sluice/" + (name.empty() ? std::string("job") : name);
}

// "HOST" of "HOST:PORT" ("[::1]:80" gives "[::1]").
std::string http_host(const std::string& address) {
  const size_t colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

// The default address of sluice run's dashboard: 127.0.0.1:4040 (Spark's
// local UI port) or the next free one up to 4049, else any free port.
std::string default_http_address() {
  for (int port = 4040; port < 4050; ++port) {
    const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0) break;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool free = ::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(probe);
    if (free) return "127.0.0.1:" + std::to_string(port);
  }
  return "127.0.0.1:0";
}

}  // namespace

int run_command(const RunFlags& flags) {
  if (!flags.http.empty() && flags.http != "off" &&
      !host_port_flag_ok("--http", flags.http, proto::EndpointUse::kBind)) {
    return kExitUsage;
  }
  std::optional<LoadedJob> job = load_checked_job(flags.job_file);
  if (!job) return kExitUsage;
  return run_loaded_job(*job, flags, true);
}

int run_loaded_job(const LoadedJob& job, const RunFlags& flags, bool summary) {
  const bool bar = !flags.no_progress && ::isatty(STDERR_FILENO);
  if (bar && !flags.log_level_given) {
    // The progress line owns the terminal: info lines would break it.
    configure_logging(log_format(), "warn");
  }
  install_stop_signals();
  const JobSpec& spec = job.spec;
  const std::string& base_dir = job.base_dir;

  CoordinatorOptions options;
  options.listen = "tcp://127.0.0.1:0";
  options.state_dir = flags.state_dir.empty() ? default_state_dir(spec) : flags.state_dir;
  options.http_address = flags.http == "off"  ? std::string()
                         : flags.http.empty() ? default_http_address()
                                              : flags.http;
  auto service = CoordinatorService::open(options);
  if (!service.is_ok() && flags.http.empty()) {
    // The default port was taken between the probe and the bind (another
    // sluice run starting): any free port will do.
    options.http_address = "127.0.0.1:0";
    service = CoordinatorService::open(options);
  }
  if (!service.is_ok()) {
    fmt::print(stderr, "sluice: {}\n", service.status().message());
    return kExitJobFailed;
  }
  if (const int http_port = service.value()->http_port(); http_port > 0) {
    // One line a program can wait for (the Python package does); under
    // --log-format json a log line, as every line on stderr is then.
    const std::string url =
        fmt::format("http://{}:{}/", http_host(options.http_address), http_port);
    if (log_format() == LogFormat::kJson) {
      logger("run")->info("operations surface on http port {} dashboard={}", http_port, url);
    } else {
      fmt::print(stderr, "sluice: operations surface on http port {}: dashboard {}\n", http_port,
                 url);
      std::fflush(stderr);
    }
  }
  std::atomic<bool> coordinator_stop{false};
  Status coordinator_status;
  std::thread coordinator([&] { coordinator_status = service.value()->run(coordinator_stop); });

  const auto started = std::chrono::steady_clock::now();
  const uint32_t workers =
      flags.workers > 0 ? flags.workers : std::max(1u, std::thread::hardware_concurrency());
  WorkerPool pool(service.value()->endpoint(), workers, [&](pid_t pid, int signal) {
    service.value()->report_worker_exit(static_cast<uint32_t>(pid), signal);
  });
  int exit_code = kExitJobFailed;
  {
    CoordinatorClient client(service.value()->endpoint());
    auto submitted = client.submit(spec.source_text, flags.job_file, base_dir);
    if (!submitted.is_ok()) {
      fmt::print(stderr, "sluice: {}\n", submitted.status().message());
      exit_code = kExitUsage;
    } else {
      if (!submitted->created && submitted->state == "succeeded") {
        fmt::print(stderr, "sluice: job {} finished before; nothing to do\n", submitted->job_id);
      } else if (!submitted->created) {
        fmt::print(stderr, "sluice: resuming job {}\n", submitted->job_id);
      }
      // The coordinator is in this process: its loop wakes us when a job
      // ends, so the job's end is seen at once, not at the next poll.
      uint64_t jobs_ended = service.value()->wait_jobs_ended(0, std::chrono::milliseconds(0));
      auto final_job = follow_job(
          client, submitted->job_id, bar,
          [&] {
            if (stop_requested().load()) {
              (void)client.cancel(submitted->job_id);
            }
            if (!is_final_state(submitted->state)) pool.keep_alive();
          },
          [&](std::chrono::milliseconds pause) {
            jobs_ended = service.value()->wait_jobs_ended(jobs_ended, pause);
          });
      if (!final_job.is_ok()) {
        fmt::print(stderr, "sluice: {}\n", final_job.status().message());
      } else {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (summary) {
          print_summary(final_job.value());
          fmt::print("  wall time   {:.2f} s with {} workers\n", seconds, workers);
        } else if (exit_code_for(final_job.value()) != kExitOk) {
          print_summary(final_job.value());
        }
        exit_code = exit_code_for(final_job.value());
      }
    }
  }
  coordinator_stop = true;  // its loop ends while the workers exit
  service.value()->wake();
  pool.stop();
  coordinator.join();
  if (!coordinator_status.is_ok()) {
    fmt::print(stderr, "sluice: coordinator failed: {}\n", coordinator_status.to_string());
    return kExitJobFailed;
  }
  return exit_code;
}

}  // namespace sluice
