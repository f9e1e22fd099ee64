// The coordinator's operations surface: health, readiness, Prometheus
// metrics, the JSON API and the dashboard page.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/cluster/job_files.h"
#include "tests/support/cluster.h"
#include "tests/support/coordinator_process.h"

namespace sluice::testing {
namespace {

TEST(Operations, ServesHealthMetricsJobsAndDashboard) {
  TempDir dir;
  ASSERT_EQ(run({sluice_binary(), "gen", "parking", "--rows", "2000", "--seed", "5", "--out",
                 dir / "parking.csv"})
                .exit_code,
            0);
  write_file(dir / "w1.yaml", w1_job(dir / "parking.csv", "out/", "16KiB"));
  CoordinatorProcess coordinator(dir, {"--http", "127.0.0.1:0", "--log-format", "json"});
  ASSERT_GT(coordinator.http_port(), 0) << coordinator.log();
  Process worker({sluice_binary(), "worker", "--coordinator", coordinator.endpoint()},
                 dir / "worker.log");
  auto submitted = run({sluice_binary(), "submit", dir / "w1.yaml", "--coordinator",
                        coordinator.endpoint(), "--wait"},
                       dir.path());
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string job_id = submitted.out.substr(0, 16);

  httplib::Client http("127.0.0.1", coordinator.http_port());
  auto health = http.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto ready = http.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);

  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // one snapshot period
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  for (const char* name :
       {"sluice_partitions{job=\"", "sluice_rows_in_total{job=\"", "sluice_rows_out_total",
        "sluice_rows_rejected_total", "sluice_input_read_bytes", "sluice_workers_connected 1",
        "sluice_lease_expiries_total", "sluice_retries_total",
        "sluice_commit_latency_seconds_count", "# TYPE sluice_partitions gauge"}) {
    EXPECT_NE(metrics->body.find(name), std::string::npos) << name << "\n" << metrics->body;
  }
  EXPECT_NE(metrics->body.find("state=\"published\"} "), std::string::npos);

  auto jobs = http.Get("/api/jobs");
  ASSERT_TRUE(jobs);
  auto parsed = nlohmann::json::parse(jobs->body);
  ASSERT_EQ(parsed["jobs"].size(), 1u);
  EXPECT_EQ(parsed["jobs"][0]["id"], job_id);
  EXPECT_EQ(parsed["jobs"][0]["state"], "succeeded");
  EXPECT_EQ(parsed["jobs"][0]["rows_in"], 2000);
  EXPECT_EQ(parsed["workers"].size(), 1u);

  // The worker's memory, from its heartbeats: in /api/jobs, /api/workers and /metrics.
  EXPECT_GT(parsed["workers"][0]["memory_bytes"].get<uint64_t>(), 0u) << jobs->body;
  const size_t gauge = metrics->body.find("sluice_worker_memory_bytes{worker=\"");
  ASSERT_NE(gauge, std::string::npos) << metrics->body;
  const size_t value = metrics->body.find("} ", gauge);
  EXPECT_GT(std::stoull(metrics->body.substr(value + 2)), 0u) << metrics->body.substr(gauge, 120);
  auto workers = http.Get("/api/workers");
  ASSERT_TRUE(workers);
  auto series = nlohmann::json::parse(workers->body)["workers"];
  ASSERT_EQ(series.size(), 1u) << workers->body;
  EXPECT_GE(series[0]["samples"]["memory_bytes"].size(), 1u) << workers->body;
  EXPECT_GT(series[0]["samples"]["memory_bytes"][0].get<uint64_t>(), 0u) << workers->body;

  // One job: its samples and its partition grid (all published: '4').
  auto one = http.Get("/api/jobs/" + job_id);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
  auto detail = nlohmann::json::parse(one->body);
  const uint32_t partitions_total = detail["partitions_total"];
  EXPECT_GT(partitions_total, 1u);
  EXPECT_EQ(detail["partitions"]["cells"], std::string(partitions_total, '4')) << one->body;
  EXPECT_EQ(detail["partitions"]["stages"], std::string(partitions_total, 'r')) << one->body;
  EXPECT_EQ(detail["partitions"]["per_cell"], 1);
  const auto& samples = detail["samples"];
  ASSERT_GE(samples["t_ms"].size(), 1u) << one->body;
  EXPECT_EQ(samples["rows_in"].back(), 2000) << one->body;  // the final sample
  EXPECT_EQ(samples["tasks_done"].back(), partitions_total) << one->body;
  EXPECT_EQ(samples["rows_in"].size(), samples["t_ms"].size());
  auto no_rejects = http.Get("/api/jobs/" + job_id + "/rejects");
  ASSERT_TRUE(no_rejects);
  EXPECT_EQ(nlohmann::json::parse(no_rejects->body)["rejects"].size(), 0u) << no_rejects->body;
  auto missing = http.Get("/api/jobs/0123456789abcdef");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  auto page = http.Get("/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("<title>sluice</title>"), std::string::npos);

  // The rejects of a job, read on request, with their reasons.
  write_file(dir / "bad.csv", "id,n\n1,5\n2,x\n3,7\n4,y\n5,500\n");
  write_file(dir / "bad.yaml",
             "name: bad\ninput: {path: bad.csv}\nschema:\n  columns:\n"
             "    n: {type: int32, max: 100}\noutput: {path: bad-out/}\n");
  auto bad = run({sluice_binary(), "submit", dir / "bad.yaml", "--coordinator",
                  coordinator.endpoint(), "--wait"},
                 dir.path());
  ASSERT_EQ(bad.exit_code, 0) << bad.err;
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  auto rejects = http.Get("/api/jobs/" + bad.out.substr(0, 16) + "/rejects");
  ASSERT_TRUE(rejects);
  auto rejected = nlohmann::json::parse(rejects->body);
  ASSERT_EQ(rejected["rejects"].size(), 3u) << rejects->body;
  EXPECT_NE(rejected["rejects"][0]["source_file"].get<std::string>().find("bad.csv"),
            std::string::npos)
      << rejects->body;
  EXPECT_EQ(rejected["rejects"][0]["record"], "2,x") << rejects->body;
  EXPECT_FALSE(rejected["rejects"][0]["reason"].get<std::string>().empty()) << rejects->body;
  uint64_t counted = 0;
  for (const auto& [reason, count] : rejected["by_reason"].items())
    counted += count.get<uint64_t>();
  EXPECT_EQ(counted, 3u) << rejects->body;
  EXPECT_EQ(rejected["truncated"], false);

  // --log-format json: every log line is a JSON object.
  const std::string log = coordinator.log();
  size_t json_lines = 0;
  for (size_t start = 0, end; (end = log.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = log.substr(start, end - start);
    if (line.empty() || line[0] != '{') continue;
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
    ++json_lines;
  }
  EXPECT_GT(json_lines, 3u);
}

// sluice run serves the dashboard and the API on a local port by default
// (127.0.0.1:4040 or the next free one, else any), printed at start, while
// the job runs; --http off serves nothing.
TEST(Operations, RunServesTheDashboardByDefaultAndNotWithHttpOff) {
  TempDir dir;
  write_file(dir / "in.csv", "a,b\n1,x\n2,y\n");
  // An exec step that holds its one batch for 3 s (cat answers 1:1).
  write_file(dir / "slow.yaml",
             "name: slow\ninput:\n  path: in.csv\nsteps:\n"
             "  - exec: {command: [sh, -c, 'sleep 3; cat'], timeout: 30s}\n"
             "output:\n  path: out/\n");
  Process running({sluice_binary(), "run", dir / "slow.yaml", "--workers", "1", "--state",
                   dir / "state", "--no-progress"},
                  dir / "run.log", dir.path());
  const std::string log = wait_for_text(dir / "run.log", "dashboard http://127.0.0.1:", 20000);
  const size_t at = log.find("dashboard http://127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << log;
  const int port = std::stoi(log.substr(at + std::string("dashboard http://127.0.0.1:").size()));
  EXPECT_GE(port, 1) << log;
  httplib::Client http("127.0.0.1", port);
  auto page = http.Get("/");
  ASSERT_TRUE(page) << "nothing served on port " << port << " while the job runs";
  EXPECT_NE(page->body.find("<title>sluice</title>"), std::string::npos);
  // The job is submitted after the dashboard is up, and runs for 3 s.
  std::string listed;
  for (int tries = 0; tries < 50 && listed.find("\"name\":\"slow\"") == std::string::npos;
       ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto jobs = http.Get("/api/jobs");
    ASSERT_TRUE(jobs);
    listed = jobs->body;
  }
  EXPECT_NE(listed.find("\"name\":\"slow\""), std::string::npos) << listed;
  EXPECT_EQ(running.wait(), 0) << read_file(dir / "run.log");

  write_file(dir / "quick.yaml", "name: quick\ninput:\n  path: in.csv\noutput:\n  path: q/\n");
  auto quick = run({sluice_binary(), "run", dir / "quick.yaml", "--workers", "1", "--state",
                    dir / "state-quick", "--no-progress", "--http", "off"},
                   dir.path());
  EXPECT_EQ(quick.exit_code, 0) << quick.err;
  EXPECT_EQ(quick.err.find("http port"), std::string::npos) << quick.err;
}

}  // namespace
}  // namespace sluice::testing
