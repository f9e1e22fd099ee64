#include "common/pipeline/exec_step.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/base/limits.h"
#include "common/expr/eval.h"
#include "common/io/text_format.h"

extern char** environ;

namespace sluice {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// write() with SIGPIPE blocked for this thread, so a program that died gives
// EPIPE instead of killing us (the worker ignores SIGPIPE; tests may not).
ssize_t write_no_sigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  const ssize_t written = ::write(fd, data, size);
  const int saved_errno = errno;
  if (written < 0 && saved_errno == EPIPE) {
    const struct timespec zero {};
    while (sigtimedwait(&pipe_set, nullptr, &zero) > 0) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = saved_errno;
  return written;
}

std::string seconds_text(int64_t ms) {
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

}  // namespace

// --- ExecProcess -------------------------------------------------------------

ExecProcess::ExecProcess(std::vector<std::string> argv, std::string cwd, int64_t timeout_ms)
    : argv_(std::move(argv)), cwd_(std::move(cwd)), timeout_ms_(timeout_ms) {}

ExecProcess::~ExecProcess() {
  if (pid_ <= 0) return;
  // EOF on stdin is the program's cue to finish; give it a moment.
  if (stdin_fd_ >= 0) {
    ::close(stdin_fd_);
    stdin_fd_ = -1;
  }
  for (int waited_ms = 0; waited_ms < 1000; waited_ms += 10) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      close_fds();
      return;
    }
    read_stderr();  // keep its pipe from filling
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill_now();
}

void ExecProcess::close_fds() {
  for (int* fd : {&stdin_fd_, &stdout_fd_, &stderr_fd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  stdout_pending_.clear();
}

void ExecProcess::kill_now() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  read_stderr();
  close_fds();
}

Status ExecProcess::start() {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return io_error(fmt::format("pipe: {}", std::strerror(errno)));
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return io_error(fmt::format("pipe: {}", std::strerror(errno)));
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    return io_error(fmt::format("pipe: {}", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  if (!cwd_.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd_.c_str());
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);  // its own group: a timeout kills its children too
  sigset_t empty, defaults;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attributes, &empty);
  sigemptyset(&defaults);
  for (int signal_number : {SIGPIPE, SIGINT, SIGTERM, SIGCHLD}) sigaddset(&defaults, signal_number);
  posix_spawnattr_setsigdefault(&attributes, &defaults);

  std::vector<char*> argv;
  for (std::string& arg : argv_) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = ::posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (spawned != 0) {
    for (int fd : {in[1], out[0], err[0]}) ::close(fd);
    return Status(StatusCode::kUnavailable,
                  fmt::format("cannot start {}: {}", argv_[0], std::strerror(spawned)));
  }
  pid_ = pid;
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
  for (int fd : {stdin_fd_, stdout_fd_, stderr_fd_}) set_nonblocking(fd);
  stdout_pending_.clear();
  stderr_tail_.clear();
  return Status::ok();
}

void ExecProcess::read_stderr() {
  if (stderr_fd_ < 0) return;
  char chunk[4096];
  while (true) {
    const ssize_t got = ::read(stderr_fd_, chunk, sizeof chunk);
    if (got > 0) {
      stderr_tail_.append(chunk, static_cast<size_t>(got));
      if (stderr_tail_.size() > 2 * limits::kExecStderrBytesMax) {
        stderr_tail_.erase(0, stderr_tail_.size() - limits::kExecStderrBytesMax);
      }
      continue;
    }
    if (got == 0) {
      ::close(stderr_fd_);
      stderr_fd_ = -1;
    }
    break;  // EAGAIN or an error
  }
  if (stderr_tail_.size() > limits::kExecStderrBytesMax) {
    stderr_tail_.erase(0, stderr_tail_.size() - limits::kExecStderrBytesMax);
  }
}

std::string ExecProcess::exit_description(int wait_ms) {
  if (pid_ <= 0) return "not running";
  int status = 0;
  pid_t reaped = 0;
  for (int waited = 0; waited <= wait_ms; waited += 10) {
    reaped = ::waitpid(pid_, &status, WNOHANG);
    if (reaped == pid_) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (reaped != pid_) return "still running";
  pid_ = -1;
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return "stopped";
}

Status ExecProcess::round_trip(std::string_view input, size_t line_count, std::string& buffer,
                               std::vector<std::string_view>& lines) {
  buffer.clear();
  lines.clear();
  if (pid_ <= 0) {
    SLUICE_RETURN_IF_ERROR(start());
  } else {
    // Answers nobody asked for (a program that answers twice) would shift
    // every later row: refuse them if they are already waiting.
    char byte;
    const ssize_t early = ::read(stdout_fd_, &byte, 1);
    if (early != -1 || errno != EAGAIN) {
      read_stderr();
      kill_now();
      return Status(StatusCode::kUnavailable,
                    early > 0 ? "the program wrote more rows than it was sent (rows must come "
                                "back one for one)"
                              : "the program closed its stdout between batches");
    }
  }
  const int64_t deadline_ms = now_ms() + timeout_ms_;
  size_t written = 0;
  size_t lines_read = 0;
  size_t scanned = 0;  // bytes of buffer already searched for '\n'
  auto fail = [&](std::string message) {
    read_stderr();
    if (pid_ > 0) ::kill(-pid_, SIGKILL);
    kill_now();
    return Status(StatusCode::kUnavailable, std::move(message));
  };
  while (lines_read < line_count || written < input.size()) {
    const int64_t left_ms = deadline_ms - now_ms();
    if (abort_ != nullptr && abort_->load()) {
      read_stderr();
      kill_now();
      return Status(StatusCode::kAborted, "cancelled while the program had a batch; killed");
    }
    if (left_ms <= 0) {
      return fail(fmt::format("no answer to {} rows within {} ({} answered); killed", line_count,
                              seconds_text(timeout_ms_), lines_read));
    }
    struct pollfd fds[3];
    nfds_t count = 0;
    int in_index = -1, out_index = -1, err_index = -1;
    if (written < input.size()) {
      in_index = static_cast<int>(count);
      fds[count++] = {stdin_fd_, POLLOUT, 0};
    }
    if (stdout_fd_ >= 0) {
      out_index = static_cast<int>(count);
      fds[count++] = {stdout_fd_, POLLIN, 0};
    }
    if (stderr_fd_ >= 0) {
      err_index = static_cast<int>(count);
      fds[count++] = {stderr_fd_, POLLIN, 0};
    }
    const int ready = ::poll(fds, count, static_cast<int>(std::min<int64_t>(left_ms, 100)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return fail(fmt::format("poll: {}", std::strerror(errno)));
    }
    if (err_index >= 0 && fds[err_index].revents != 0) read_stderr();
    if (in_index >= 0 && fds[in_index].revents != 0) {
      const ssize_t sent =
          write_no_sigpipe(stdin_fd_, input.data() + written, input.size() - written);
      if (sent < 0 && errno != EAGAIN && errno != EINTR) {
        const std::string why = errno == EPIPE ? "closed its stdin" : std::strerror(errno);
        return fail(fmt::format("the program {} after {} of {} bytes ({})", why, written,
                                input.size(), exit_description(200)));
      }
      if (sent > 0) written += static_cast<size_t>(sent);
    }
    if (out_index >= 0 && fds[out_index].revents != 0) {
      char chunk[64 << 10];
      const ssize_t got = ::read(stdout_fd_, chunk, sizeof chunk);
      if (got == 0) {
        return fail(fmt::format("the program closed its stdout after {} of {} rows ({})",
                                lines_read, line_count, exit_description(200)));
      }
      if (got < 0 && errno != EAGAIN && errno != EINTR) {
        return fail(fmt::format("read: {}", std::strerror(errno)));
      }
      if (got > 0) {
        buffer.append(chunk, static_cast<size_t>(got));
        for (size_t newline; (newline = buffer.find('\n', scanned)) != std::string::npos;) {
          ++lines_read;
          scanned = newline + 1;
        }
        if (lines_read > line_count) {
          return fail(
              fmt::format("the program answered more rows than the {} sent (rows must "
                          "come back one for one)",
                          line_count));
        }
        if (buffer.size() - scanned > limits::kExecLineBytesMax) {
          return fail(
              fmt::format("an answer line is longer than {} MiB", limits::kExecLineBytesMax >> 20));
        }
      }
    }
  }
  if (scanned != buffer.size()) {
    return fail(fmt::format("the program wrote more than the {} rows asked for", line_count));
  }
  size_t begin = 0;
  for (size_t i = 0; i < line_count; ++i) {
    const size_t end = buffer.find('\n', begin);
    std::string_view line(buffer.data() + begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    begin = end + 1;
  }
  return Status::ok();
}

// --- ExecStep ----------------------------------------------------------------

ExecStep::ExecStep(const ExecSpec& spec, std::vector<std::string> argv, std::string cwd,
                   std::string context, std::vector<std::string> input_names,
                   std::vector<std::string> output_names)
    : spec_(spec),
      context_(std::move(context)),
      output_names_(std::move(output_names)),
      process_(std::move(argv), std::move(cwd), spec.timeout_ms) {
  for (const std::string& name : input_names) {
    std::string key;
    append_json_string(key, name);
    key.push_back(':');
    input_keys_.push_back(std::move(key));
  }
  for (size_t i = 0; i < output_names_.size(); ++i) output_index_[output_names_[i]] = i;
}

Status ExecStep::run(const std::vector<const expr::Vector*>& inputs,
                     const expr::Selection& selection, size_t row_count,
                     std::vector<expr::Vector>& outputs, expr::StringArena& arena) {
  outputs.resize(output_names_.size());
  for (expr::Vector& vector : outputs) vector.reset(expr::Type::kString, row_count);
  const size_t batch_rows = std::max<size_t>(1, spec_.batch_rows);
  for (size_t begin = 0; begin < selection.size(); begin += batch_rows) {
    if (abort_ != nullptr && abort_->load()) {
      return Status(StatusCode::kAborted, "cancelled between batches");
    }
    const size_t count = std::min(batch_rows, selection.size() - begin);
    SLUICE_RETURN_IF_ERROR(run_batch(inputs, selection.data() + begin, count, outputs, arena));
  }
  return Status::ok();
}

Status ExecStep::run_batch(const std::vector<const expr::Vector*>& inputs, const uint32_t* rows,
                           size_t count, std::vector<expr::Vector>& outputs,
                           expr::StringArena& arena) {
  input_.clear();
  std::deque<std::string> scratch_storage;
  expr::StringArena scratch(&scratch_storage);
  for (size_t i = 0; i < count; ++i) {
    const uint32_t row = rows[i];
    input_.push_back('{');
    for (size_t c = 0; c < inputs.size(); ++c) {
      if (c > 0) input_.push_back(',');
      input_ += input_keys_[c];
      const expr::Vector& vector = *inputs[c];
      if (vector.type == expr::Type::kNull || vector.is_null(row)) {
        input_ += "null";
        continue;
      }
      switch (vector.type) {
        case expr::Type::kString:
          append_json_string(input_, vector.strings[row]);
          break;
        case expr::Type::kBool:
          input_ += vector.ints[row] != 0 ? "true" : "false";
          break;
        case expr::Type::kInt64:
          input_ += std::to_string(vector.ints[row]);
          break;
        case expr::Type::kFloat64:
          if (std::isfinite(vector.doubles[row])) {
            input_ += expr::render_value(vector, row, scratch);
          } else {
            append_json_string(input_, expr::render_value(vector, row, scratch));
          }
          break;
        default:  // dates and timestamps as their text
          append_json_string(input_, expr::render_value(vector, row, scratch));
      }
    }
    input_ += "}\n";
  }

  std::string last_error;
  for (uint32_t attempt = 1; attempt <= spec_.max_attempts; ++attempt) {
    if (attempt > 1) {
      const int64_t backoff_ms = limits::kExecBackoffMsMin << std::min<uint32_t>(attempt - 2, 6);
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    }
    Status status = process_.round_trip(input_, count, buffer_, lines_);
    if (status.is_ok()) status = decode(lines_, rows, outputs, arena);
    if (status.is_ok()) return status;
    last_error = status.message();
    process_.kill_now();  // a bad answer also means a fresh process
  }
  std::string tail = process_.stderr_tail();
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  std::string command;
  for (const std::string& arg : spec_.command) command += (command.empty() ? "" : " ") + arg;
  return Status(
      StatusCode::kUnavailable,
      fmt::format("{}: `{}` failed {} times; last: {}{}", context_, command, spec_.max_attempts,
                  last_error,
                  tail.empty() ? std::string("; no stderr") : fmt::format("; stderr: {}", tail)));
}

Status ExecStep::decode(const std::vector<std::string_view>& lines, const uint32_t* rows,
                        std::vector<expr::Vector>& outputs, expr::StringArena& arena) {
  for (size_t i = 0; i < lines.size(); ++i) {
    const uint32_t row = rows[i];
    nlohmann::json object = nlohmann::json::parse(lines[i].begin(), lines[i].end(), nullptr, false);
    if (object.is_discarded() || !object.is_object()) {
      return Status(StatusCode::kUnavailable,
                    fmt::format("answer {} of the batch is not a JSON object: {}", i + 1,
                                lines[i].substr(0, 200)));
    }
    for (expr::Vector& vector : outputs) vector.valid[row] = 0;
    for (auto& [key, value] : object.items()) {
      auto found = output_index_.find(key);
      if (found == output_index_.end()) {
        return Status(StatusCode::kUnavailable,
                      fmt::format("answer {} of the batch has the key \"{}\", not one of the "
                                  "step's columns (declare it in `columns:`)",
                                  i + 1, key));
      }
      expr::Vector& vector = outputs[found->second];
      if (value.is_null()) continue;
      if (value.is_string()) {
        vector.strings[row] = arena.copy(value.get_ref<const std::string&>());
      } else if (value.is_boolean()) {
        vector.strings[row] = value.get<bool>() ? "true" : "false";
      } else {
        // Numbers keep their JSON text; objects and arrays become compact JSON.
        vector.strings[row] =
            arena.copy(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
      vector.valid[row] = 1;
    }
  }
  return Status::ok();
}

}  // namespace sluice
