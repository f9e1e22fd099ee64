#pragma once
// The `exec` step: rows go to an external program as JSON lines on its
// stdin, one object per row (keys = the current columns in order, NULL ->
// null, numbers and bools as JSON numbers and bools, dates and timestamps as
// strings), and come back from its stdout as JSON lines, one object per row,
// in the same order (1:1: a different count is an error).
//
// The program is started on the first batch and kept alive for the
// partition (one per Pipeline, so one per worker slot); it is in its own
// process group, runs in the job's base directory, and gets EOF on stdin
// when the partition ends. One mini-batch (`batch_rows` rows) is in flight
// at a time: its lines are written while answers are read (poll), so a
// program that answers row by row never deadlocks on full pipes. A batch
// that is not fully answered within `timeout` kills the process group. A
// failed batch (timeout, exit, a bad or missing answer) is sent again to a
// fresh process after a backoff (100 ms, doubling), at most `max_attempts`
// tries; then the step fails with kUnavailable (the partition's attempt
// fails and is retried like any other failure) naming the command, the last
// error and the tail of the program's stderr (limits::kExecStderrBytesMax).
//
// Thread safety: one per thread (it belongs to one Pipeline).

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/base/status.h"
#include "common/expr/vector.h"
#include "common/spec/job_spec.h"

namespace sluice {

// One long-running child process that answers lines with lines.
class ExecProcess {
 public:
  // `argv[0]` is looked up in PATH unless it holds a '/'. `cwd` empty: ours.
  ExecProcess(std::vector<std::string> argv, std::string cwd, int64_t timeout_ms);
  ~ExecProcess();  // closes stdin, waits up to 1 s for exit, then kills the group
  ExecProcess(const ExecProcess&) = delete;
  ExecProcess& operator=(const ExecProcess&) = delete;

  // Writes `input` (`line_count` lines, each ending in '\n') and reads
  // exactly `line_count` lines back into `lines` (views into `buffer`).
  // Starts the process if needed. On error the process is killed and
  // reaped; the next call starts a new one.
  Status round_trip(std::string_view input, size_t line_count, std::string& buffer,
                    std::vector<std::string_view>& lines);
  // The tail of the (current or last) process's stderr.
  const std::string& stderr_tail() const { return stderr_tail_; }
  // Kills the process group now and reaps it (no-op when not running).
  void kill_now();
  // While `abort` is true a round trip gives up (kAborted) within 100 ms
  // and kills the program: a cancelled or stopping task does not wait for a
  // slow batch. Null (the default): never.
  void set_abort(const std::atomic<bool>* abort) { abort_ = abort; }
  pid_t pid() const { return pid_; }

 private:
  Status start();
  void close_fds();
  void read_stderr();
  // "exited with status N" / "killed by signal N" for a reaped child, after
  // waiting up to `wait_ms` for it.
  std::string exit_description(int wait_ms);

  std::vector<std::string> argv_;
  std::string cwd_;
  int64_t timeout_ms_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1, stdout_fd_ = -1, stderr_fd_ = -1;
  std::string stdout_pending_;  // bytes after the last complete answer (none expected)
  std::string stderr_tail_;
  const std::atomic<bool>* abort_ = nullptr;
};

// The step: JSON in, JSON out, retries.
class ExecStep {
 public:
  // `context` names the step in messages ("job.yaml:12: steps[2].exec").
  // `input_names` are the columns sent, `output_names` those read back.
  ExecStep(const ExecSpec& spec, std::vector<std::string> argv, std::string cwd,
           std::string context, std::vector<std::string> input_names,
           std::vector<std::string> output_names);

  // Sends the rows of `selection` (values from `inputs`, one vector per
  // input name) in mini-batches and fills `outputs` (one string vector per
  // output name, sized `row_count`; strings in `arena`).
  Status run(const std::vector<const expr::Vector*>& inputs, const expr::Selection& selection,
             size_t row_count, std::vector<expr::Vector>& outputs, expr::StringArena& arena);
  // See ExecProcess::set_abort; also checked between mini-batches.
  void set_abort(const std::atomic<bool>* abort) {
    abort_ = abort;
    process_.set_abort(abort);
  }

 private:
  Status run_batch(const std::vector<const expr::Vector*>& inputs, const uint32_t* rows,
                   size_t count, std::vector<expr::Vector>& outputs, expr::StringArena& arena);
  Status decode(const std::vector<std::string_view>& lines, const uint32_t* rows,
                std::vector<expr::Vector>& outputs, expr::StringArena& arena);

  ExecSpec spec_;
  std::string context_;
  std::vector<std::string> input_keys_;  // JSON-quoted names, with the ':'
  std::vector<std::string> output_names_;
  std::unordered_map<std::string, size_t> output_index_;
  ExecProcess process_;
  std::string input_;   // the batch's lines
  std::string buffer_;  // the answers
  std::vector<std::string_view> lines_;
  const std::atomic<bool>* abort_ = nullptr;
};

}  // namespace sluice
