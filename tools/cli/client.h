#pragma once
// A client of the coordinator (submit, status, cancel) over a DEALER socket.
// Each call sends one request and waits for its reply, up to a timeout.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "proto/messages.h"

namespace sluice {

// A job's line of `sluice status`, and the whole reply (proto/messages.h).
using JobSnapshot = proto::JobStatus;
using StatusSnapshot = proto::StatusReply;

struct SubmitResult {
  std::string job_id;
  bool created = false;
  std::string state;
};

class CoordinatorClient {
 public:
  // `curve_secret` and `coordinator_key` are key files; both empty: plaintext.
  explicit CoordinatorClient(const std::string& endpoint, const std::string& curve_secret = "",
                             const std::string& coordinator_key = "", int64_t timeout_ms = 10'000);
  // An error when the key files cannot be read or the socket not made; every
  // call then returns it. Nothing here throws.
  const Status& setup_status() const;
  ~CoordinatorClient();

  Result<SubmitResult> submit(const std::string& spec_yaml, const std::string& spec_file,
                              const std::string& base_dir);
  Result<StatusSnapshot> status(const std::string& job_id);
  Result<StatusSnapshot> cancel(const std::string& job_id);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  Status setup_;
};

bool is_final_state(const std::string& state);

}  // namespace sluice
