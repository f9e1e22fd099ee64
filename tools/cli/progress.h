#pragma once
// Following a job to its end: a progress bar on a terminal, and the summary.

#include <string>

#include "tools/cli/client.h"

namespace sluice {

// Polls the coordinator until the job is final; draws a bar on stderr when
// `show_bar`. Returns the final snapshot, or an error if the coordinator is
// unreachable. `keep_going` is called each poll (embedded mode restarts dead
// workers there). Between polls it calls `wait(milliseconds)`, which may
// return early when a job has ended (embedded mode wakes on the
// coordinator's signal); the default sleeps.
template <typename Tick, typename Wait>
Result<JobSnapshot> follow_job(CoordinatorClient& client, const std::string& job_id, bool show_bar,
                               Tick keep_going, Wait wait);
template <typename Tick>
Result<JobSnapshot> follow_job(CoordinatorClient& client, const std::string& job_id, bool show_bar,
                               Tick keep_going);

// One line: a bar, percent done, tasks, rows/s, elapsed time, an ETA from
// the fraction done so far, workers.
std::string progress_line(const JobSnapshot& job, uint32_t workers);
void draw_progress(const JobSnapshot& job, uint32_t workers);
void clear_progress();
void print_summary(const JobSnapshot& job);
// Exit code and one-line reason for a final job.
int exit_code_for(const JobSnapshot& job);

}  // namespace sluice

#include "tools/cli/progress_inl.h"
