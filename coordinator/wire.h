#pragma once
// The coordinator's messages <-> its records: a Done report read into a
// DoneReport, a Task, a CommitDecision and a StatusReply filled from the
// scheduler's records. Pure translation; the loop (service.cc) sends them.

#include <optional>
#include <string>
#include <vector>

#include "coordinator/scheduler.h"
#include "proto/codec.h"

namespace sluice {

DoneReport read_done_report(proto::Done::Reader message);
void fill_task(proto::Task::Builder task, const JobRecord& job, const PartitionRecord& partition,
               uint32_t attempt);
void fill_commit_decision(proto::CommitDecision::Builder decision, const AttemptRef& attempt,
                          const DoneOutcome& outcome);
// The answer to a Register: who we are, and the heartbeat and lease periods.
void fill_welcome(proto::Welcome::Builder welcome, const std::string& coordinator_id);
void fill_progress_ack(proto::ProgressAck::Builder ack, const AttemptRef& attempt, uint64_t seq);
void fill_task_abort(proto::TaskAbort::Builder abort, const AttemptRef& attempt);
// `jobs` as the scheduler sees them now (totals, workers connected).
void fill_status_reply(proto::StatusReply::Builder reply, const Scheduler& scheduler,
                       const std::vector<const JobRecord*>& jobs);
// "map 19/19, buckets 2/3, merge 0/1": done/total per stage.
std::string stages_text(const std::vector<StageView>& stages);
// How a job with a join is planned, for the log ("plan=broadcast ..." or
// "plan=exchange map_tasks_left=N map_tasks_right=M"); nullopt without a join.
std::optional<std::string> join_plan_text(const JobRecord& job);
// A routing id for logs: printable ASCII as is, other bytes as \xNN.
std::string printable(const std::string& identity);

}  // namespace sluice
