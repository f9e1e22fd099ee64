#pragma once
// The coordinator's loop: the one thread that owns the ROUTER socket. It
// decodes each message, asks the Scheduler what to do, persists through it,
// and carries the decisions out (replies, tasks, renames, manifests).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/base/clock.h"
#include "common/base/status.h"

namespace sluice {

struct CoordinatorOptions {
  std::string listen = "tcp://127.0.0.1:7700";  // tcp://HOST:PORT (PORT 0: any free port)
  std::string state_dir;                        // RocksDB lives here
  std::string curve_secret_path;                // with authorized_keys_path: CURVE on
  std::string authorized_keys_path;
  std::string http_address;  // HOST:PORT of the operations surface; empty: none
};

class CoordinatorService {
 public:
  // Opens the ledger, loads state, republishes committed partitions and binds.
  static Result<std::unique_ptr<CoordinatorService>> open(const CoordinatorOptions& options);
  ~CoordinatorService();

  // The endpoint actually bound (with the real port when PORT was 0).
  const std::string& endpoint() const;
  // The HTTP port actually bound (0 when there is no HTTP surface).
  int http_port() const;
  // Serves until `stop` becomes true.
  Status run(const std::atomic<bool>& stop);
  // From another thread: ends the loop's wait at once (after setting `stop`,
  // so that run() returns now instead of at its next tick).
  void wake();
  // From another thread: a worker process on this host, started by the
  // caller, is dead (`signal` 0: it exited, else the signal that killed it).
  // Its leases go at once, and a record it crashed on is blamed by signal.
  void report_worker_exit(uint32_t pid, int signal);
  // From another thread: blocks until more than `seen` jobs have ended
  // (succeeded, failed or been cancelled) or `timeout` passes; returns the
  // count now. Lets `sluice run` see its job's end at once instead of at
  // its next status poll.
  uint64_t wait_jobs_ended(uint64_t seen, std::chrono::milliseconds timeout);

  // Handles one frame as if the peer `identity` had sent it on the socket,
  // then runs one tick of the loop (expiry, leases, finished jobs): the code
  // path of every received message, without the socket. For the message
  // fuzzer (tests/fuzz/coordinator_message_fuzz.cc).
  Status handle_frame(const std::string& identity, const void* data, size_t size);

 private:
  class Impl;
  explicit CoordinatorService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
