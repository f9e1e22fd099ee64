#pragma once
// Fault injection for the chaos tests: a coordinator that can be killed and
// restarted on the same port and state, loop-mounted and tmpfs filesystems,
// a network namespace joined to the host by a veth pair, and multiset
// comparison of CSV rows (rows lost, rows duplicated).
//
// Everything here runs real commands (mount, ip, xfs_io); the filesystem and
// network helpers need root and report why when they cannot be set up, so a
// test can GTEST_SKIP with that message.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/cluster.h"

namespace sluice::testing {

// `sluice coordinator` on HOST: port 0 at the first start, then the same port
// at every restart (so workers and clients keep their endpoint).
class RestartableCoordinator {
 public:
  RestartableCoordinator(std::string host, std::string state_dir, std::string log_dir);
  ~RestartableCoordinator();
  // Starts it and waits for its "--coordinator tcp://…" line; false on timeout.
  bool start();
  // SIGKILL and reap (a crash, no shutdown path).
  void kill();
  bool running();
  const std::string& endpoint() const { return endpoint_; }
  int port() const { return port_; }
  int starts() const { return starts_; }
  // Every incarnation's log, in order.
  std::string logs() const;
  const std::string& log_path() const { return log_path_; }

 private:
  std::string host_;
  std::string state_dir_;
  std::string log_dir_;
  std::string log_path_;
  std::vector<std::string> log_paths_;
  std::unique_ptr<Process> process_;
  std::string endpoint_;
  int port_ = 0;
  int starts_ = 0;
};

// Runs `sh -c command`; exit code and output.
CommandResult shell(const std::string& command);

// Records of a CSV text (RFC 4180: quoted fields may hold newlines), the
// header (first record) dropped when `skip_header`.
std::vector<std::string> csv_records(const std::string& text, bool skip_header);

struct RowDiff {
  uint64_t expected = 0;
  uint64_t actual = 0;
  uint64_t lost = 0;        // in expected more often than in actual
  uint64_t duplicated = 0;  // in actual more often than in expected
};
// Multiset comparison of two lists of records.
RowDiff compare_rows(const std::vector<std::string>& expected,
                     const std::vector<std::string>& actual);

// An ext4 image of `size_mb` mounted with -o loop at DIR/mnt; unmounted and
// deleted at destruction. `error()` says why mounting failed. Moves the test
// process into a private mount namespace first (see faults.cc): the mount is
// seen by the processes the test starts, and by no other test's.
class LoopMount {
 public:
  LoopMount(const std::string& dir, int size_mb);
  ~LoopMount();
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& path() const { return mount_point_; }
  // Power cut: the filesystem stops at once, nothing unflushed reaches the
  // disk (xfs_io -x -c shutdown, no log flush).
  CommandResult shutdown();
  // Unmount and mount again (ext4 replays its journal).
  CommandResult remount();

 private:
  std::string image_;
  std::string mount_point_;
  std::string error_;
  bool mounted_ = false;
};

// A tmpfs of `size_kb` at DIR/tmpfs.
class TmpfsMount {
 public:
  TmpfsMount(const std::string& dir, int size_kb);
  ~TmpfsMount();
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& path() const { return mount_point_; }

 private:
  std::string mount_point_;
  std::string error_;
  bool mounted_ = false;
};

// A network namespace joined to the host by a veth pair, with a /30 of
// 10.231.0.0/16 chosen from the pid (parallel runs do not collide).
// Removed at destruction, also when the test failed.
class NetworkNamespace {
 public:
  NetworkNamespace();
  ~NetworkNamespace();
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  const std::string& host_address() const { return host_address_; }
  const std::string& inside_address() const { return inside_address_; }
  // Prefix for a command that must run inside the namespace.
  std::vector<std::string> exec_prefix() const { return {"ip", "netns", "exec", name_}; }
  // Cuts or restores the link (the host end of the pair).
  CommandResult set_link(bool up);

 private:
  std::string name_;
  std::string host_link_;
  std::string inside_link_;
  std::string host_address_;
  std::string inside_address_;
  std::string error_;
  bool created_ = false;
};

}  // namespace sluice::testing
