#pragma once
#include <algorithm>
#include <chrono>
#include <thread>

namespace sluice {

template <typename Tick, typename Wait>
Result<JobSnapshot> follow_job(CoordinatorClient& client, const std::string& job_id, bool show_bar,
                               Tick keep_going, Wait wait) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto last_heard = started;
  while (true) {
    keep_going();
    auto status = client.status(job_id);
    const auto now = Clock::now();
    if (!status.is_ok()) {
      if (now - last_heard > std::chrono::seconds(6)) return status.status();
    } else if (!status->jobs.empty()) {
      last_heard = now;
      const JobSnapshot& job = status->jobs.front();
      if (show_bar) draw_progress(job, status->workers_connected);
      if (is_final_state(job.state)) {
        if (show_bar) clear_progress();
        return job;
      }
    }
    // A young job is asked often, so that a short job's end is seen within a
    // few percent of its run time; from 4 s on, every 200 ms.
    const auto elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - started).count();
    wait(std::chrono::milliseconds(std::clamp<int64_t>(elapsed_ms / 20, 10, 200)));
  }
}

template <typename Tick>
Result<JobSnapshot> follow_job(CoordinatorClient& client, const std::string& job_id, bool show_bar,
                               Tick keep_going) {
  return follow_job(client, job_id, show_bar, keep_going,
                    [](std::chrono::milliseconds pause) { std::this_thread::sleep_for(pause); });
}

}  // namespace sluice
