#pragma once
// A `sluice coordinator` started for a test, with its endpoint (and HTTP
// port) read from its log.

#include <memory>
#include <string>
#include <vector>

#include "tests/support/cluster.h"

namespace sluice::testing {

class CoordinatorProcess {
 public:
  // Starts `sluice coordinator --listen tcp://127.0.0.1:0 --state DIR` plus
  // `extra` flags; waits until it prints its endpoint.
  CoordinatorProcess(const TempDir& dir, const std::vector<std::string>& extra = {},
                     const std::string& name = "coordinator");
  const std::string& endpoint() const { return endpoint_; }
  int http_port() const { return http_port_; }
  std::string log() const { return read_file(log_path_); }
  Process& process() { return *process_; }

 private:
  std::string log_path_;
  std::unique_ptr<Process> process_;
  std::string endpoint_;
  int http_port_ = 0;
};

}  // namespace sluice::testing
