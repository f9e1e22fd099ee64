#pragma once
// A client of the coordinator (submit, status, cancel) over a DEALER socket.
// Each call sends one request and waits for its reply, up to a timeout.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace sluice {

struct JobSnapshot {
  std::string job_id, name, state, error, output_path;
  std::string stages;  // "map 19/19, buckets 2/3, merge 0/1"
  uint32_t partitions_total = 0, partitions_done = 0;
  uint64_t rows_in = 0, rows_out = 0, rows_filtered = 0, rows_rejected = 0;
  uint64_t bytes_read = 0, bytes_total = 0, elapsed_ms = 0;
};

struct StatusSnapshot {
  std::vector<JobSnapshot> jobs;
  uint32_t workers_connected = 0;
};

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
