#pragma once
// The coordinator's messages from its records: a Task, a CommitDecision and
// a StatusReply made from the scheduler's records (proto/messages.h). Pure
// translation; the loop (service.cc) sends them through its proto::Link.

#include <optional>
#include <string>
#include <vector>

#include "coordinator/scheduler.h"
#include "proto/messages.h"

namespace sluice {

// `with_job_file`: the Task carries the job's file (the worker has not got
// it: coordinator/job_files_sent.h); else spec_yaml is empty.
proto::Task task_for(const JobRecord& job, const PartitionRecord& partition, uint32_t attempt,
                     bool with_job_file);
proto::CommitDecision commit_decision(const AttemptRef& attempt, const DoneOutcome& outcome);
// The answer to a Register: who we are, and the heartbeat and lease periods.
proto::Welcome welcome(const std::string& coordinator_id);
// `jobs` as the scheduler sees them now (totals, workers connected).
proto::StatusReply status_reply(const Scheduler& scheduler,
                                const std::vector<const JobRecord*>& jobs);
// "map 19/19, buckets 2/3, merge 0/1": done/total per stage.
std::string stages_text(const std::vector<StageView>& stages);
// How a job with a join is planned, for the log ("plan=broadcast ..." or
// "plan=exchange map_tasks_left=N map_tasks_right=M"); nullopt without a join.
std::optional<std::string> join_plan_text(const JobRecord& job);
// A routing id for logs: printable ASCII as is, other bytes as \xNN.
std::string printable(const std::string& identity);

}  // namespace sluice
