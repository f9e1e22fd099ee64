#include "tests/support/coordinator_process.h"

#include <re2/re2.h>

namespace sluice::testing {

CoordinatorProcess::CoordinatorProcess(const TempDir& dir, const std::vector<std::string>& extra,
                                       const std::string& name)
    : log_path_(dir / (name + ".log")) {
  std::vector<std::string> argv = {sluice_binary(),     "coordinator", "--listen",
                                   "tcp://127.0.0.1:0", "--state",     dir / (name + "-state")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  process_ = std::make_unique<Process>(argv, log_path_, dir.path());
  const std::string text = wait_for_text(log_path_, "--coordinator tcp://", 15000);
  RE2::PartialMatch(text, "--coordinator (tcp://[0-9.:]+)", &endpoint_);
  RE2::PartialMatch(text, "http port ([0-9]+)", &http_port_);
}

}  // namespace sluice::testing
