#include "tests/support/faults.h"

#include <re2/re2.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

namespace sluice::testing {

namespace fs = std::filesystem;

CommandResult shell(const std::string& command) { return run({"sh", "-c", command}); }

RestartableCoordinator::RestartableCoordinator(std::string host, std::string state_dir,
                                               std::string log_dir)
    : host_(std::move(host)), state_dir_(std::move(state_dir)), log_dir_(std::move(log_dir)) {}

RestartableCoordinator::~RestartableCoordinator() { kill(); }

bool RestartableCoordinator::start() {
  // A restart may race the old socket's teardown: try a few times.
  for (int attempt = 0; attempt < 5; ++attempt) {
    ++starts_;
    log_path_ = log_dir_ + "/coordinator-" + std::to_string(starts_) + ".log";
    log_paths_.push_back(log_path_);
    const std::string listen = "tcp://" + host_ + ":" + std::to_string(port_);
    process_ = std::make_unique<Process>(
        std::vector<std::string>{sluice_binary(), "coordinator", "--listen", listen, "--state",
                                 state_dir_},
        log_path_, log_dir_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline && process_->running()) {
      const std::string log = read_file(log_path_);
      if (RE2::PartialMatch(log, "--coordinator (tcp://[0-9.]+:([0-9]+))", &endpoint_, &port_)) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

void RestartableCoordinator::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait();
  process_.reset();
}

bool RestartableCoordinator::running() { return process_ && process_->running(); }

std::string RestartableCoordinator::logs() const {
  std::string all;
  for (const std::string& path : log_paths_) all += read_file(path);
  return all;
}

std::vector<std::string> csv_records(const std::string& text, bool skip_header) {
  std::vector<std::string> records;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      quoted = !quoted;  // a doubled quote toggles twice
    } else if (c == '\n' && !quoted) {
      records.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (start < text.size()) records.push_back(text.substr(start));
  if (skip_header && !records.empty()) records.erase(records.begin());
  return records;
}

RowDiff compare_rows(const std::vector<std::string>& expected,
                     const std::vector<std::string>& actual) {
  std::map<std::string, int64_t> balance;
  for (const std::string& row : expected) balance[row]++;
  for (const std::string& row : actual) balance[row]--;
  RowDiff diff;
  diff.expected = expected.size();
  diff.actual = actual.size();
  for (const auto& [row, count] : balance) {
    if (count > 0) diff.lost += static_cast<uint64_t>(count);
    if (count < 0) diff.duplicated += static_cast<uint64_t>(-count);
  }
  return diff;
}

namespace {

// Moves this (still single-threaded) test process, and so every process it
// starts after, into a mount namespace of its own whose mounts propagate
// nowhere. Without it a namespace another test creates meanwhile (`ip netns
// exec` copies every mount) keeps the loop mount's superblock alive after
// umount, and mounting the image again gets that superblock back, shut down:
// every write fails with EIO. Empty on success, else why.
std::string enter_private_mount_namespace() {
  if (::unshare(CLONE_NEWNS) != 0) {
    return std::string("unshare(CLONE_NEWNS) failed: ") + std::strerror(errno);
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return std::string("making / private failed: ") + std::strerror(errno);
  }
  return {};
}

}  // namespace

LoopMount::LoopMount(const std::string& dir, int size_mb)
    : image_(dir + "/disk.img"), mount_point_(dir + "/mnt") {
  fs::create_directories(mount_point_);
  if (std::string failed = enter_private_mount_namespace(); !failed.empty()) {
    error_ = "a power cut needs a private mount namespace (root): " + failed;
    return;
  }
  auto made = shell("dd if=/dev/zero of=" + image_ + " bs=1M count=" + std::to_string(size_mb) +
                    " status=none && mkfs.ext4 -q -F " + image_);
  if (made.exit_code != 0) {
    error_ = "cannot make an ext4 image: " + made.err;
    return;
  }
  auto mounted = shell("mount -o loop " + image_ + " " + mount_point_);
  if (mounted.exit_code != 0) {
    error_ = "mount -o loop failed (needs root and loop devices): " + mounted.err;
    return;
  }
  mounted_ = true;
}

LoopMount::~LoopMount() {
  if (mounted_ && shell("umount " + mount_point_).exit_code != 0) {
    shell("umount -l " + mount_point_);
  }
  std::error_code ignored;
  fs::remove(image_, ignored);
}

CommandResult LoopMount::shutdown() { return shell("xfs_io -x -c shutdown " + mount_point_); }

CommandResult LoopMount::remount() {
  CommandResult unmounted = shell("umount " + mount_point_);
  if (unmounted.exit_code != 0) {
    mounted_ = false;
    return unmounted;
  }
  mounted_ = false;
  CommandResult mounted = shell("mount -o loop " + image_ + " " + mount_point_);
  mounted_ = mounted.exit_code == 0;
  return mounted;
}

TmpfsMount::TmpfsMount(const std::string& dir, int size_kb) : mount_point_(dir + "/tmpfs") {
  fs::create_directories(mount_point_);
  auto mounted =
      shell("mount -t tmpfs -o size=" + std::to_string(size_kb) + "k tmpfs " + mount_point_);
  if (mounted.exit_code != 0) {
    error_ = "mount -t tmpfs failed (needs root): " + mounted.err;
    return;
  }
  mounted_ = true;
}

TmpfsMount::~TmpfsMount() {
  if (mounted_ && shell("umount " + mount_point_).exit_code != 0) {
    shell("umount -l " + mount_point_);
  }
}

NetworkNamespace::NetworkNamespace() {
  const int pid = static_cast<int>(::getpid());
  const int slot = pid % 16000;
  const std::string subnet = "10.231." + std::to_string(slot / 64) + ".";
  const int base = (slot % 64) * 4;
  name_ = "sluice-" + std::to_string(pid);
  host_link_ = "slh" + std::to_string(pid);
  inside_link_ = "sln" + std::to_string(pid);
  host_address_ = subnet + std::to_string(base + 1);
  inside_address_ = subnet + std::to_string(base + 2);
  auto added = shell("ip netns add " + name_);
  if (added.exit_code != 0) {
    error_ = "ip netns add failed (needs root): " + added.err;
    return;
  }
  created_ = true;
  const std::string in_ns = "ip netns exec " + name_ + " ";
  auto linked =
      shell("ip link add " + host_link_ + " type veth peer name " + inside_link_ +
            " && ip link set " + inside_link_ + " netns " + name_ + " && ip addr add " +
            host_address_ + "/30 dev " + host_link_ + " && ip link set " + host_link_ + " up && " +
            in_ns + "ip addr add " + inside_address_ + "/30 dev " + inside_link_ + " && " + in_ns +
            "ip link set " + inside_link_ + " up && " + in_ns + "ip link set lo up");
  if (linked.exit_code != 0) error_ = "cannot set up the veth pair: " + linked.err;
}

NetworkNamespace::~NetworkNamespace() {
  if (!created_) return;
  shell("ip link del " + host_link_ + " 2>/dev/null");
  shell("ip netns del " + name_);
}

CommandResult NetworkNamespace::set_link(bool up) {
  return shell("ip link set " + host_link_ + (up ? " up" : " down"));
}

}  // namespace sluice::testing
