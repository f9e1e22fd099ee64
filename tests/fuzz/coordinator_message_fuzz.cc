// libFuzzer target: the message decoder and the coordinator's handling of
// one message. A real coordinator (RocksDB in a directory under /tmp, its
// ROUTER bound to loopback) holds a job over a small CSV file and a
// registered worker with leases; each input is one frame from one peer:
//   byte 0 even: the rest is a raw frame (proto::decode on arbitrary bytes,
//                then the handler when it decodes);
//   byte 0 odd:  the rest drives a FuzzedDataProvider that builds a
//                well-formed message (proto/messages.h) of any kind with fuzzed fields — often
//                the real job id, partition and attempt, sometimes with the
//                temporary file a Done claims — so the handlers' checks are
//                reached, not just the decoder's.
// After the message, one tick of the loop runs (expiry, leases, commits,
// publishing). The coordinator must never crash, assert or trip ASan/UBSan;
// a handler's error Status is fine (it is logged and the loop goes on).
// Built only with -DSLUICE_FUZZ=ON and clang (scripts/fuzz.sh).
#include <fcntl.h>
#include <fuzzer/FuzzedDataProvider.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "common/base/log.h"
#include "coordinator/admission.h"
#include "coordinator/publisher.h"
#include "coordinator/service.h"
#include "proto/wire.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

// Inputs per job before a fresh one is submitted: a job may well have been
// cancelled or failed by then.
constexpr int kInputsPerJob = 40;
constexpr uint64_t kSplitBytes = 256;  // the job's split_size
constexpr uint64_t kHeaderBytes = 7;   // "n,name\n": where partition 0's first record starts

struct Harness {
  std::string dir;
  std::unique_ptr<CoordinatorService> service;
  JobRecord job;
  std::string spec_yaml;
  uint64_t input_bytes = 0;
  int job_number = 0;
  int inputs_on_job = 0;
};

std::string spec_for(int number) {
  return "name: fuzz-" + std::to_string(number) +
         "\n"
         "input: {path: in.csv, split_size: 256B}\n"
         "steps:\n"
         "  - filter: \"n <> '3'\"\n"
         "output: {path: out-" +
         std::to_string(number) + "/}\n";
}

void send(Harness& harness, const std::string& identity, const proto::Message& message) {
  const std::string frame = proto::encode(message);
  (void)harness.service->handle_frame(identity, frame.data(), frame.size());
}

// A new job (the previous one may have finished, failed or been cancelled),
// and a worker asking for work so that it holds leases.
void submit_fresh_job(Harness& harness) {
  if (harness.job_number > 0) {
    // The previous job gives its leases back, so worker-a has slots for the new one.
    send(harness, "client", proto::CancelJob{harness.job.id});
  }
  harness.job_number++;
  harness.inputs_on_job = 0;
  harness.spec_yaml = spec_for(harness.job_number);
  auto admitted = admit_job(harness.spec_yaml, "fuzz.yaml", harness.dir);
  if (!admitted.is_ok()) {
    std::fprintf(stderr, "fuzz setup: %s\n", admitted.status().to_string().c_str());
    std::abort();
  }
  harness.job = admitted->record;
  send(harness, "client", proto::SubmitJob{harness.spec_yaml, "fuzz.yaml", harness.dir});
  send(harness, "worker-a", proto::Register{"worker-a", 4, "", 0, proto::kProtocolVersion});
  send(harness, "worker-a", proto::RequestWork{4});
  // worker-a now holds attempt 1 of every partition. It finishes the first
  // ones well (every job: partition 0; every third job: all of them), so the
  // fuzzed messages meet committed, published and finished jobs too.
  const uint32_t partitions = static_cast<uint32_t>(harness.input_bytes / kSplitBytes + 1);
  const uint32_t finished = harness.job_number % 3 == 0 ? partitions : 1;
  for (uint32_t partition = 0; partition < finished; ++partition) {
    const uint64_t begin = uint64_t{partition} * kSplitBytes;
    const std::string part = "part " + std::to_string(partition) + "\n";
    std::error_code error;
    fs::create_directories(temporary_dir(harness.job), error);
    std::ofstream(temp_part_path(harness.job, partition, 1), std::ios::trunc) << part;
    proto::Done done{{harness.job.id, partition, 1}, {}};
    done.stats.rows_in = 2;
    done.stats.rows_out = 1;
    done.stats.rows_filtered = 1;
    done.stats.bytes_written = part.size();
    done.stats.start_offset = partition == 0 ? kHeaderBytes : begin;
    done.stats.end_offset = std::min(harness.input_bytes, begin + kSplitBytes);
    send(harness, "worker-a", done);
  }
}

Harness& harness() {
  static Harness* instance = [] {
    auto* created = new Harness;
    // SLUICE_FUZZ_LOG=info shows what the coordinator made of the inputs.
    const char* level = std::getenv("SLUICE_FUZZ_LOG");
    configure_logging(LogFormat::kText, level != nullptr ? level : "off");
    created->dir = "/tmp/sluice-coordinator-fuzz";
    std::error_code error;
    fs::remove_all(created->dir, error);
    fs::create_directories(created->dir);
    {
      // About 1 KiB: four partitions of 256 bytes.
      std::ofstream input(created->dir + "/in.csv");
      input << "n,name\n";
      for (int n = 1; n <= 80; ++n) input << n << (n % 7 == 0 ? ",\"x,y\"\n" : ",abcdef\n");
    }
    // A fixed modification time keeps the job ids the same from run to run.
    created->input_bytes = fs::file_size(created->dir + "/in.csv");
    const struct timespec times[2] = {{1700000000, 0}, {1700000000, 0}};
    utimensat(AT_FDCWD, (created->dir + "/in.csv").c_str(), times, 0);
    CoordinatorOptions options;
    options.listen = "tcp://127.0.0.1:0";
    options.state_dir = created->dir + "/state";
    auto opened = CoordinatorService::open(options);
    if (!opened.is_ok()) {
      std::fprintf(stderr, "fuzz setup: %s\n", opened.status().to_string().c_str());
      std::abort();
    }
    created->service = std::move(opened.value());
    submit_fresh_job(*created);
    return created;
  }();
  return *instance;
}

std::string pick_identity(FuzzedDataProvider& data) {
  switch (data.ConsumeIntegralInRange(0, 4)) {
    case 0:
      return "worker-a";
    case 1:
      return "worker-b";
    case 2:
      return "client";
    case 3:
      return std::string("\0ab", 3);  // a routing id ZeroMQ made up
    default:
      return data.ConsumeRandomLengthString(300);
  }
}

std::string pick_job_id(FuzzedDataProvider& data, const Harness& harness) {
  if (data.ConsumeBool()) return harness.job.id;
  return data.ConsumeRandomLengthString(80);
}

uint32_t pick_small(FuzzedDataProvider& data) {
  return data.ConsumeBool() ? data.ConsumeIntegralInRange<uint32_t>(0, 8)
                            : data.ConsumeIntegral<uint32_t>();
}

// Optionally writes the temporary file a Done claims, so that the check of
// the file passes and the scheduler decides.
void maybe_write_temporary(FuzzedDataProvider& data, const Harness& harness, uint32_t partition,
                           uint32_t attempt, uint64_t bytes) {
  if (!data.ConsumeBool() || bytes > 4096 || partition > 64 || attempt > 64) return;
  std::error_code error;
  fs::create_directories(temporary_dir(harness.job), error);
  std::ofstream file(temp_part_path(harness.job, partition, attempt), std::ios::trunc);
  file << std::string(bytes, 'x');
}

proto::Message build_message(FuzzedDataProvider& data, Harness& harness,
                             const std::string& identity) {
  int kind = data.ConsumeIntegralInRange(0, 15);
  // worker-a registering again voids its leases; let it happen rarely so
  // that reports can still win.
  if (kind == 0 && identity == "worker-a" && data.ConsumeIntegralInRange(0, 7) != 0) kind = 1;
  switch (kind) {
    case 0: {
      proto::Register message;
      message.worker_id = data.ConsumeRandomLengthString(64);
      message.slots = data.ConsumeIntegral<uint32_t>();
      message.host = data.ConsumeRandomLengthString(64);
      message.pid = data.ConsumeIntegral<uint32_t>();
      message.protocol_version = data.ConsumeIntegral<uint32_t>();
      return message;
    }
    case 1: {
      proto::Heartbeat heartbeat;
      heartbeat.active_tasks = data.ConsumeIntegral<uint32_t>();
      heartbeat.rss_anon_bytes = data.ConsumeIntegral<uint64_t>();
      return heartbeat;
    }
    case 2:
      return proto::RequestWork{pick_small(data)};
    case 3: {
      proto::Progress message;
      message.attempt.job_id = pick_job_id(data, harness);
      message.attempt.partition = pick_small(data);
      message.attempt.attempt = pick_small(data);
      message.bytes_read = data.ConsumeIntegral<uint64_t>();
      message.rows_read = data.ConsumeIntegral<uint64_t>();
      return message;
    }
    case 4: {
      proto::Done message;
      message.attempt.job_id = pick_job_id(data, harness);
      const uint32_t partition = pick_small(data);
      uint32_t attempt = pick_small(data);
      message.attempt.partition = partition;
      message.attempt.attempt = attempt;
      proto::PartStats& stats = message.stats;
      const uint64_t written = data.ConsumeIntegralInRange<uint64_t>(0, 5000);
      stats.bytes_written = written;
      stats.checksum = data.ConsumeIntegral<uint64_t>();
      stats.bytes_read = data.ConsumeIntegral<uint64_t>();
      if (data.ConsumeBool()) {
        // A report that adds up and chains with its neighbours' planned
        // ranges, so that the scheduler can commit it and the publisher run.
        const uint64_t begin = uint64_t{partition} * kSplitBytes;
        const uint64_t rows_out = data.ConsumeIntegralInRange<uint64_t>(0, 40);
        const uint64_t rows_filtered = data.ConsumeIntegralInRange<uint64_t>(0, 3);
        stats.rows_in = rows_out + rows_filtered;
        stats.rows_out = rows_out;
        stats.rows_filtered = rows_filtered;
        attempt = data.ConsumeIntegralInRange<uint32_t>(1, 2);
        message.attempt.attempt = attempt;
        stats.start_offset = partition == 0 ? kHeaderBytes : begin;
        stats.end_offset = std::min(harness.input_bytes, begin + kSplitBytes);
      } else {
        stats.rows_in = data.ConsumeIntegral<uint64_t>();
        stats.rows_out = data.ConsumeIntegral<uint64_t>();
        stats.rows_filtered = data.ConsumeIntegral<uint64_t>();
        stats.rows_rejected = data.ConsumeBool() ? 0 : data.ConsumeIntegral<uint64_t>();
        stats.rejects_bytes = data.ConsumeIntegral<uint64_t>();
        stats.rejects_checksum = data.ConsumeIntegral<uint64_t>();
        stats.start_offset = data.ConsumeIntegralInRange<uint64_t>(0, 2 * kSplitBytes);
        stats.end_offset = data.ConsumeIntegralInRange<uint64_t>(0, 5 * kSplitBytes);
      }
      maybe_write_temporary(data, harness, partition, attempt, written);
      return message;
    }
    case 5: {
      proto::Failed message;
      message.attempt.job_id = pick_job_id(data, harness);
      message.attempt.partition = pick_small(data);
      message.attempt.attempt = pick_small(data);
      message.message = data.ConsumeRandomLengthString(200);
      message.retryable = data.ConsumeBool();
      message.job_file_missing = data.ConsumeBool();  // a refusal: planned again, file resent
      return message;
    }
    case 6: {
      proto::SubmitJob message;
      message.spec_yaml =
          data.ConsumeBool() ? harness.spec_yaml : data.ConsumeRandomLengthString(400);
      message.spec_file = data.ConsumeRandomLengthString(40);
      message.base_dir = data.ConsumeBool() ? harness.dir : data.ConsumeRandomLengthString(40);
      return message;
    }
    case 7:
      return proto::StatusRequest{data.ConsumeBool() ? "" : pick_job_id(data, harness)};
    case 8:  // rarely the real job: a cancelled job takes no more reports
      return proto::CancelJob{data.ConsumeIntegralInRange(0, 63) == 0
                                  ? harness.job.id
                                  : data.ConsumeRandomLengthString(80)};
    // Messages only the coordinator sends: a peer sending them is dropped.
    case 9:
      return proto::Welcome{"", data.ConsumeIntegral<uint32_t>(), 0};
    case 10: {
      proto::Task message;
      message.job_id = pick_job_id(data, harness);
      message.temp_path = data.ConsumeRandomLengthString(100);
      return message;
    }
    case 11:
      return proto::CommitDecision{{}, data.ConsumeBool(), ""};
    case 12:
      return proto::SubmitReply{data.ConsumeRandomLengthString(20), false, ""};
    case 13: {
      proto::StatusReply reply;
      reply.jobs.resize(data.ConsumeIntegralInRange<uint32_t>(0, 4));
      return reply;
    }
    case 14:
      return proto::ErrorReply{data.ConsumeRandomLengthString(100)};
    default:
      return proto::TaskAbort{{pick_job_id(data, harness), 0, 0}};
  }
}

}  // namespace
}  // namespace sluice

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  using namespace sluice;
  if (size == 0) return 0;
  Harness& state = harness();
  if (++state.inputs_on_job > kInputsPerJob) submit_fresh_job(state);
  if ((bytes[0] & 1) == 0) {
    FuzzedDataProvider data(bytes + 1, size - 1);
    const std::string identity = pick_identity(data);
    const std::vector<uint8_t> frame = data.ConsumeRemainingBytes<uint8_t>();
    (void)state.service->handle_frame(identity, frame.data(), frame.size());
    return 0;
  }
  FuzzedDataProvider data(bytes + 1, size - 1);
  const std::string identity = pick_identity(data);
  send(state, identity, build_message(data, state, identity));
  return 0;
}
