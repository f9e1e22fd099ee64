// Admission runs off the coordinator's loop (coordinator/background_work.h):
// a job whose admission waits on a slow input does not hold up other jobs,
// heartbeats or status replies, and is admitted once its input answers.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "tests/support/cluster.h"
#include "tests/support/coordinator_process.h"

namespace sluice::testing {
namespace {

std::string copy_job(const std::string& name, const std::string& input, const std::string& out) {
  return "name: " + name + "\ninput: {path: \"" + input + "\"}\noutput: {path: " + out + "}\n";
}

// Serves one CSV over HTTP; the first request waits until release() (or 90 s).
class SlowCsvServer {
 public:
  explicit SlowCsvServer(std::string body) : body_(std::move(body)) {
    server_.Get("/slow.csv", [this](const httplib::Request&, httplib::Response& response) {
      std::unique_lock lock(mutex_);
      if (!first_seen_) {
        first_seen_ = true;
        seen_.notify_all();
        released_.wait_for(lock, std::chrono::seconds(90), [&] { return release_; });
      }
      response.set_header("ETag", "\"slow-1\"");
      response.set_content(body_, "text/csv");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~SlowCsvServer() {
    release();
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  bool wait_first_request(std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    return seen_.wait_for(lock, timeout, [&] { return first_seen_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    release_ = true;
    released_.notify_all();
  }

 private:
  std::string body_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable seen_;
  std::condition_variable released_;
  bool first_seen_ = false;
  bool release_ = false;
};

TEST(Admission, ASlowInputHoldsUpOnlyItsOwnJob) {
  TempDir dir;
  write_file(dir / "fast.csv", "n,name\n1,a\n2,b\n3,c\n");
  SlowCsvServer server("n,name\n10,x\n20,y\n");
  const std::string slow_url = "http://127.0.0.1:" + std::to_string(server.port()) + "/slow.csv";
  write_file(dir / "slow.yaml", copy_job("slow-input", slow_url, "out-slow/"));
  write_file(dir / "fast.yaml", copy_job("fast-input", dir / "fast.csv", "out-fast/"));

  CoordinatorProcess coordinator(dir);
  Process worker({sluice_binary(), "worker", "--coordinator", coordinator.endpoint()},
                 dir / "worker.log");
  auto slow = std::async(std::launch::async, [&] {
    return run({sluice_binary(), "submit", dir / "slow.yaml", "--coordinator",
                coordinator.endpoint(), "--wait"},
               dir.path());
  });
  ASSERT_TRUE(server.wait_first_request(std::chrono::seconds(60))) << coordinator.log();

  // The slow job is being admitted (its input has not answered): the other
  // job is admitted, runs and finishes meanwhile.
  auto fast = std::async(std::launch::async, [&] {
    return run({sluice_binary(), "submit", dir / "fast.yaml", "--coordinator",
                coordinator.endpoint(), "--wait"},
               dir.path());
  });
  const bool fast_done = fast.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  const bool slow_pending = slow.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
  server.release();
  ASSERT_TRUE(fast_done) << "a job waited for another job's admission\n" << coordinator.log();
  EXPECT_TRUE(slow_pending) << "the slow job was answered before its input answered";
  CommandResult fast_result = fast.get();
  EXPECT_EQ(fast_result.exit_code, 0) << fast_result.err;
  EXPECT_EQ(concat_parts(dir / "out-fast"), "n,name\n1,a\n2,b\n3,c\n");

  CommandResult slow_result = slow.get();
  ASSERT_EQ(slow_result.exit_code, 0) << slow_result.err << coordinator.log();
  EXPECT_EQ(concat_parts(dir / "out-slow"), "n,name\n10,x\n20,y\n");
}

}  // namespace
}  // namespace sluice::testing
