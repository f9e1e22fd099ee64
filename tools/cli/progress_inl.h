#pragma once
#include <chrono>
#include <thread>

namespace sluice {

template <typename Tick>
Result<JobSnapshot> follow_job(CoordinatorClient& client, const std::string& job_id, bool show_bar,
                               Tick keep_going) {
  int unreachable = 0;
  while (true) {
    keep_going();
    auto status = client.status(job_id);
    if (!status.is_ok()) {
      if (++unreachable > 30) return status.status();
    } else if (!status->jobs.empty()) {
      unreachable = 0;
      const JobSnapshot& job = status->jobs.front();
      if (show_bar) draw_progress(job, status->workers_connected);
      if (is_final_state(job.state)) {
        if (show_bar) clear_progress();
        return job;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace sluice
