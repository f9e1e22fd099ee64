#pragma once
// Helpers for tests that start real sluice processes: temporary directories,
// child processes with their stderr in a log file, commands run to
// completion, and reading outputs back.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::testing {

// The sluice binary under test ($SLUICE_BINARY, set by CMake).
std::string sluice_binary();
// The source tree ($SLUICE_SOURCE_DIR).
std::string source_dir();

// A fresh directory under /tmp, removed at destruction unless the test failed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs a command (argv[0] is looked up in PATH) to completion in `cwd`.
CommandResult run(const std::vector<std::string>& argv, const std::string& cwd = ".");

// A child process that runs until stopped; stderr+stdout go to `log_path`.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& log_path,
          const std::string& cwd = ".");
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  pid_t pid() const { return pid_; }
  void signal(int signal_number);
  // Waits for exit; returns the exit code (128+signal when killed).
  int wait();
  bool running();

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& contents);
// Waits until `path` contains `needle`, up to `timeout_ms`; returns the file.
std::string wait_for_text(const std::string& path, const std::string& needle, int timeout_ms);
// Concatenates part-*.<ext> files in name order, keeping the header of the first only.
std::string concat_parts(const std::string& output_dir, const std::string& extension = ".csv");
// Names of the part files in an output directory, sorted.
std::vector<std::string> part_files(const std::string& output_dir);
// `value` as a CSV field, quoted (RFC 4180) when it holds ',', '"' or a line end.
std::string csv_field(const std::string& value);
// A seed for randomized tests: $SLUICE_SEED if set, else from the clock. Printed.
uint64_t test_seed();

}  // namespace sluice::testing
