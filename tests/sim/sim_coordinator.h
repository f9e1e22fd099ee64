#pragma once
// The simulated coordinator: the product's Scheduler, PartitionLedger,
// CoordinatorCore (coordinator/core.h: commits, renames, aborts, discards,
// job ends, recovery) and Router (coordinator/router.h: which message calls
// what, the order of a round, submissions and cancels) over a MemoryStore, a
// FakeClock and the simulated network. What is left here is the transport:
// the simulation's messages translated to and from proto/messages.h.
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
#include "coordinator/router.h"
#include "tests/sim/world.h"

namespace sluice::sim {

// Thrown by the crash-point hook to stop the coordinator where it is.
struct SimulatedCrash {
  std::string point;
};

class SimCoordinator final : public Outbox, public RouterPort {
 public:
  // `files`: the output directory as the coordinator sees it (a power cut
  // loses what it did not sync: sim_filesystem.h); `effects`: where its
  // jobs' ends run (sim_executor.h: the seed decides when).
  SimCoordinator(World& world, std::shared_ptr<MemoryDisk> disk, Filesystem& files,
                 EffectExecutor& effects);
  ~SimCoordinator() override;

  // Starts (or restarts): loads the ledger and recovers.
  Status start();
  // A user's submission, admitted (Router::finish_submit); an error reply
  // to the user is an error.
  Status submit(AdmittedJob admitted);
  // A user's cancel (a CancelJob through the router).
  Status cancel(const std::string& job_id);
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
  // RouterPort
  void send_to(const std::string& peer, const proto::Message& message) override;
  void admit(const std::string& peer, const proto::SubmitJob& submit) override;

 private:
  void send(Message message);

  World& world_;
  std::shared_ptr<MemoryDisk> disk_;
  Filesystem& files_;
  EffectExecutor& effects_;
  std::unique_ptr<PartitionLedger> ledger_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<CoordinatorCore> core_;
  std::unique_ptr<Router> router_;
  std::vector<Message> inbox_;
  std::string client_error_;  // the last ErrorReply to the user
};

}  // namespace sluice::sim
