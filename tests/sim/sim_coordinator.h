#pragma once
// The simulated coordinator: the product's Scheduler, PartitionLedger and
// CoordinatorCore (coordinator/core.h: commits, renames, aborts, discards,
// job ends, recovery) over a MemoryStore, a FakeClock and the simulated
// network. Only the routing of service.cc is written again here (which
// message calls which scheduler or core function, and the order of one
// round: every waiting message, then leases, then the round's Done reports,
// then the tick) since that file owns the ZeroMQ socket.
// A crash destroys the scheduler, ledger and core (no cleanup); a power cut
// also loses the ledger's unsynced writes. A restart loads the ledger and
// recovers, as CoordinatorService::open does.

#include <memory>
#include <string>
#include <vector>

#include "common/store/memory_store.h"
#include "coordinator/admission.h"
#include "coordinator/core.h"
#include "coordinator/ledger.h"
#include "tests/sim/world.h"

namespace sluice::sim {

// Thrown by the crash-point hook to stop the coordinator where it is.
struct SimulatedCrash {
  std::string point;
};

class SimCoordinator final : public Outbox {
 public:
  SimCoordinator(World& world, std::shared_ptr<MemoryDisk> disk);
  ~SimCoordinator() override;

  // Starts (or restarts): loads the ledger and recovers.
  Status start();
  Status submit(AdmittedJob admitted);
  void receive(Message message);
  // One pass of the loop: this round's messages, leases, Done reports, tick.
  Status round();
  // Lost: everything in memory; with a power cut also what was not synced.
  void crash(bool power_cut);
  // A clean stop (what `sluice run` does at the end): what workers left of
  // ended jobs is swept.
  void shut_down();

  bool up() const { return core_ != nullptr; }
  bool has_messages() const { return !inbox_.empty(); }
  Scheduler* scheduler() { return scheduler_.get(); }
  int64_t restart_at_ms = 0;

  // Outbox
  void send_task(const std::string& worker, const JobRecord& job, const PartitionRecord& partition,
                 uint32_t attempt, bool with_job_file) override;
  void send_abort(const std::string& worker, const AttemptRef& attempt) override;
  void send_commit_decision(const std::string& worker, const AttemptRef& attempt,
                            const DoneOutcome& outcome) override;
  void send_register_again(const std::string& worker) override;

 private:
  void send(Message message);
  Status dispatch(const Message& message);

  World& world_;
  std::shared_ptr<MemoryDisk> disk_;
  std::unique_ptr<PartitionLedger> ledger_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<CoordinatorCore> core_;
  std::vector<Message> inbox_;
  int64_t last_heartbeat_ms_ = 0;
};

}  // namespace sluice::sim
