#pragma once
// Router: the coordinator loop's routing without its transport — which
// message calls what on the Scheduler and the CoordinatorCore, and the order
// of one round. service.cc feeds it what its ZeroMQ socket receives;
// tests/sim feeds it what the simulated network delivers, so the simulation
// runs the product's routing, not a copy of it.
//
// One round, in this order:
//   1. receive() every waiting message; a Done is held (the worker's slot is
//      free at once, its attempt keeps its lease until the report is handled);
//   2. end_of_messages(): the round's leases, then the held Done reports
//      (a worker that reported Done asked for work in the same breath: its
//      next Task is leased before its last partition is committed);
//   3. tick(): the core's tick, whose flush is the round's one WAL sync
//      (group commit, core.h), then the coordinator's heartbeats when due.
// Thread safety: owned by the loop thread.

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/base/clock.h"
#include "coordinator/admission.h"
#include "coordinator/core.h"
#include "coordinator/scheduler.h"
#include "proto/messages.h"

namespace spdlog {
class logger;
}

namespace sluice {

// Where the router's own messages go (replies to workers and clients) and
// what it leaves to its transport.
class RouterPort {
 public:
  virtual ~RouterPort() = default;
  virtual void send_to(const std::string& peer, const proto::Message& message) = 0;
  // A submission. Admission is slow (it may list S3, sniff files, ask
  // PostgreSQL): the port runs it off the loop and calls
  // Router::finish_submit back on the loop with the result.
  virtual void admit(const std::string& peer, const proto::SubmitJob& submit) = 0;
  // A worker's memory from its heartbeat (the dashboard's samples).
  virtual void worker_memory(const std::string& /*peer*/, uint64_t /*rss_anon_bytes*/) {}
  // A job was submitted for the first time (the dashboard lists it at once).
  virtual void job_created(const JobRecord& /*job*/) {}
};

class Router {
 public:
  Router(Scheduler& scheduler, CoordinatorCore& core, const Clock& clock, RouterPort& port);

  // Who we are, in Welcome (the endpoint, once the socket is bound).
  void set_coordinator_id(std::string id) { coordinator_id_ = std::move(id); }

  // Step 1: a message of this round (a Done is held until end_of_messages).
  // A message that did not decode is counted and dropped.
  void receive(const std::string& peer, Result<proto::Message> decoded);
  // A message handled to the end at once, a Done included (one frame at a
  // time, as the fuzz target drives the coordinator).
  void handle_now(const std::string& peer, Result<proto::Message> decoded);
  // Step 2: the round's leases, then its held Done reports.
  Status end_of_messages();
  // Step 3: the core's tick, then heartbeats to every worker once per
  // kHeartbeatMs.
  Status tick();

  // An admission done (RouterPort::admit): the lineage's run planned, the
  // output claimed, the job submitted — or, the same job again, a failed one
  // resumed and what it committed published; the client gets its reply.
  // `unfinished_at_receipt`: the incremental runs unfinished when the
  // submission arrived (unfinished_jobs()).
  Status finish_submit(const std::string& peer, Result<AdmittedJob>& admitted,
                       const std::set<std::string>& unfinished_at_receipt);

 private:
  void dispatch(const std::string& peer, const proto::Message& message);
  Status on(const std::string& peer, const proto::Register& message);
  Status on(const std::string& peer, const proto::Heartbeat& heartbeat);
  Status on(const std::string& peer, const proto::RequestWork& request);
  Status on(const std::string& peer, const proto::Progress& progress);
  Status on(const std::string& peer, const proto::Done& done);
  Status on(const std::string& peer, const proto::Failed& failed);
  Status on(const std::string& peer, const proto::SubmitJob& submit);
  Status on(const std::string& peer, const proto::StatusRequest& request);
  Status on(const std::string& peer, const proto::CancelJob& cancel);
  // Kinds only the coordinator sends: dropped.
  template <typename Kind>
  Status on(const std::string& peer, const Kind& message);
  Status reply_status(const std::string& peer, const std::string& job_id);
  void heartbeat_workers();

  Scheduler& scheduler_;
  CoordinatorCore& core_;
  const Clock& clock_;
  RouterPort& port_;
  std::shared_ptr<spdlog::logger> log_;
  std::string coordinator_id_;
  // Done reports received this round, handled after its leases.
  std::vector<std::pair<std::string, proto::Done>> held_done_;
  int64_t last_heartbeat_ms_ = 0;
};

}  // namespace sluice
