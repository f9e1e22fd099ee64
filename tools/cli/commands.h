#pragma once
// The subcommands of the sluice binary. Each returns the process exit code:
// 0 success, 1 the job failed, 2 usage or job-spec error.

#include <cstdint>
#include <string>
#include <vector>

namespace sluice {

inline constexpr int kExitOk = 0;
inline constexpr int kExitJobFailed = 1;
inline constexpr int kExitUsage = 2;

struct RunFlags {
  std::string job_file;
  uint32_t workers = 0;  // 0: number of cores
  std::string state_dir;
  bool no_progress = false;
  // HOST:PORT of the dashboard, /api and /metrics while it runs; empty: the
  // default (127.0.0.1:4040, or the next free port up to 4049, else any);
  // "off": none.
  std::string http;
  bool log_level_given = false;  // --log-level or SLUICE_LOG_LEVEL: keep it
};
int run_command(const RunFlags& flags);
// `sluice check`: loads and checks a job file as `run` and `submit` do, and
// nothing more (0 valid; 2 with the same one-line reason as `run`).
int check_command(const std::string& job_file);

// How a worker or client reaches the coordinator, and with which keys.
struct ConnectFlags {
  std::string coordinator;
  std::string curve_secret;     // own secret key file
  std::string coordinator_key;  // the coordinator's public key file
};

struct CoordinatorFlags {
  std::string listen;
  std::string state_dir;
  std::string curve_secret;
  std::string authorized_keys;
  std::string http;
};
int coordinator_command(const CoordinatorFlags& flags);

struct WorkerFlags {
  ConnectFlags connect;
  uint32_t slots = 1;
};
int worker_command(const WorkerFlags& flags);

struct SubmitFlags {
  std::string job_file;
  ConnectFlags connect;
  bool wait = false;
  bool no_progress = false;
};
int submit_command(const SubmitFlags& flags);
int status_command(const std::string& job_id, const ConnectFlags& connect);
int cancel_command(const std::string& job_id, const ConnectFlags& connect);
int verify_command(const std::string& output_dir);
int keygen_command(const std::string& prefix);

// `sluice sql "SELECT …"` (sql_command.cc, docs/SQL.md).
struct SqlFlags {
  std::string query;
  std::string out;     // empty: print a table (or the statement's COPY … TO)
  std::string format;  // csv, jsonl, parquet (with --out)
  uint32_t workers = 0;
  std::string state_dir;
  bool no_progress = false;
};
int sql_command(const SqlFlags& flags);

// `sluice explain JOB.yaml | --sql "…"` (explain_command.cc): the plan,
// without running anything.
struct ExplainFlags {
  std::string job_file;
  std::string query;
  std::string out;
  std::string format;
};
int explain_command(const ExplainFlags& flags);

struct GenFlags {
  std::string dataset;
  uint64_t rows = 1000;
  uint64_t seed = 1;
  double multiline_rate = 0.0;
  std::string out;
};
int gen_command(const GenFlags& flags);

struct DescribeFlags {
  std::string path;  // a file, directory or glob: its first non-empty file is sampled
  char delimiter = ',';
  bool delimiter_given = false;  // else guessed, as the quote is
  bool no_header = false;        // else the header is guessed
  std::vector<std::string> null_values;
};
int describe_command(const DescribeFlags& flags);

}  // namespace sluice
