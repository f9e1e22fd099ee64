#pragma once
// A real nginx for the HTTP input tests: started on 127.0.0.1 at a free port
// with a temporary root and config, as the current user, pid and logs in the
// temporary directory; killed at destruction. Shared by
// tests/unit/io_http_source_test.cc and tests/cluster/inputs_test.cc.

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/cluster.h"
#include "tests/support/loopback.h"

namespace sluice::testing {

// The nginx binary, or "" when it is not installed.
inline std::string nginx_binary() {
  for (const char* candidate : {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"}) {
    if (::access(candidate, X_OK) == 0) return candidate;
  }
  return "";
}

class Nginx {
 public:
  // Serves `root`; `work` holds the config, pid, logs and temp paths.
  // started() is false (with error()) when nginx could not be started.
  Nginx(const std::string& root, const std::string& work) : work_(work) {
    const std::string binary = nginx_binary();
    if (binary.empty()) {
      error_ = "nginx is not installed (Debian package nginx; scripts/setup.sh installs it)";
      return;
    }
    std::filesystem::create_directories(work + "/tmp");
    port_ = start_on_free_port(5, [&](int port) { return start(binary, root, port); });
    started_ = port_ != 0;
    if (!started_) {
      error_ =
          "nginx did not start: " + read_file(work + "/nginx.out") + read_file(work + "/error.log");
    }
  }

  bool started() const { return started_; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  std::string url(const std::string& name) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + name;
  }
  std::string access_log() const { return read_file(work_ + "/access.log"); }

 private:
  // Starts nginx serving `root` on `port`; true once it accepts connections
  // there, false (nothing left running) when it exited or never did in 5 s.
  bool start(const std::string& binary, const std::string& root, int port) {
    const std::string& work = work_;
    const std::string config =
        "daemon off;\nmaster_process off;\nworker_processes 1;\n"
        "pid " +
        work + "/nginx.pid;\nerror_log " + work +
        "/error.log warn;\n"
        "events { worker_connections 128; }\n"
        "http {\n  access_log " +
        work +
        "/access.log;\n"
        "  client_body_temp_path " +
        work +
        "/tmp/body;\n"
        "  proxy_temp_path " +
        work +
        "/tmp/proxy;\n"
        "  fastcgi_temp_path " +
        work +
        "/tmp/fastcgi;\n"
        "  uwsgi_temp_path " +
        work +
        "/tmp/uwsgi;\n"
        "  scgi_temp_path " +
        work +
        "/tmp/scgi;\n"
        "  server {\n    listen 127.0.0.1:" +
        std::to_string(port) +
        ";\n"
        "    root " +
        root + ";\n    location / { }\n  }\n}\n";
    write_file(work + "/nginx.conf", config);
    process_ = std::make_unique<Process>(
        std::vector<std::string>{binary, "-p", work, "-e", work + "/error.log", "-c",
                                 work + "/nginx.conf"},
        work + "/nginx.out");
    for (int wait = 0; wait < 100; ++wait) {
      if (port_accepts(port)) return true;
      if (!process_->running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    process_.reset();
    return false;
  }

  std::string work_;
  std::string error_;
  int port_ = 0;
  bool started_ = false;
  std::unique_ptr<Process> process_;
};

}  // namespace sluice::testing
