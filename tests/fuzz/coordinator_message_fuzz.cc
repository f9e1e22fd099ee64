// libFuzzer target: the message decoder and the coordinator's handling of
// one message. A real coordinator (RocksDB in a directory under /tmp, its
// ROUTER bound to loopback) holds a job over a small CSV file and a
// registered worker with leases; each input is one frame from one peer:
//   byte 0 even: the rest is a raw frame (proto::decode on arbitrary bytes,
//                then the handler when it decodes);
//   byte 0 odd:  the rest drives a FuzzedDataProvider that builds a
//                well-formed Envelope of any kind with fuzzed fields — often
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
#include "proto/codec.h"

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

void send(Harness& harness, const std::string& identity, capnp::MessageBuilder& builder) {
  zmq::message_t frame = proto::encode(builder);
  (void)harness.service->handle_frame(identity, frame.data(), frame.size());
}

// A new job (the previous one may have finished, failed or been cancelled),
// and a worker asking for work so that it holds leases.
void submit_fresh_job(Harness& harness) {
  if (harness.job_number > 0) {
    // The previous job gives its leases back, so worker-a has slots for the new one.
    capnp::MallocMessageBuilder cancel;
    cancel.initRoot<proto::Envelope>().initCancelJob().setJobId(harness.job.id);
    send(harness, "client", cancel);
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
  capnp::MallocMessageBuilder submit;
  auto message = submit.initRoot<proto::Envelope>().initSubmitJob();
  message.setSpecYaml(harness.spec_yaml);
  message.setSpecFile("fuzz.yaml");
  message.setBaseDir(harness.dir);
  send(harness, "client", submit);
  capnp::MallocMessageBuilder hello;
  auto registration = hello.initRoot<proto::Envelope>().initRegister();
  registration.setWorkerId("worker-a");
  registration.setSlots(4);
  send(harness, "worker-a", hello);
  capnp::MallocMessageBuilder credit;
  credit.initRoot<proto::Envelope>().initRequestWork().setFreeSlots(4);
  send(harness, "worker-a", credit);
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
    capnp::MallocMessageBuilder report;
    auto done = report.initRoot<proto::Envelope>().initDone();
    done.setJobId(harness.job.id);
    done.setPartition(partition);
    done.setAttempt(1);
    done.setRowsIn(2);
    done.setRowsOut(1);
    done.setRowsFiltered(1);
    done.setBytesWritten(part.size());
    done.setStartOffset(partition == 0 ? kHeaderBytes : begin);
    done.setEndOffset(std::min(harness.input_bytes, begin + kSplitBytes));
    send(harness, "worker-a", report);
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

void build_message(FuzzedDataProvider& data, Harness& harness, const std::string& identity,
                   proto::Envelope::Builder envelope) {
  int kind = data.ConsumeIntegralInRange(0, 15);
  // worker-a registering again voids its leases; let it happen rarely so
  // that reports can still win.
  if (kind == 0 && identity == "worker-a" && data.ConsumeIntegralInRange(0, 7) != 0) kind = 1;
  switch (kind) {
    case 0: {
      auto message = envelope.initRegister();
      message.setWorkerId(data.ConsumeRandomLengthString(64));
      message.setSlots(data.ConsumeIntegral<uint32_t>());
      message.setHost(data.ConsumeRandomLengthString(64));
      message.setPid(data.ConsumeIntegral<uint32_t>());
      message.setProtocolVersion(data.ConsumeIntegral<uint32_t>());
      break;
    }
    case 1: {
      auto heartbeat = envelope.initHeartbeat();
      heartbeat.setActiveTasks(data.ConsumeIntegral<uint32_t>());
      heartbeat.setRssAnonBytes(data.ConsumeIntegral<uint64_t>());
      break;
    }
    case 2:
      envelope.initRequestWork().setFreeSlots(pick_small(data));
      break;
    case 3: {
      auto message = envelope.initProgress();
      message.setJobId(pick_job_id(data, harness));
      message.setPartition(pick_small(data));
      message.setAttempt(pick_small(data));
      message.setBytesRead(data.ConsumeIntegral<uint64_t>());
      message.setRowsRead(data.ConsumeIntegral<uint64_t>());
      break;
    }
    case 4: {
      auto message = envelope.initDone();
      message.setJobId(pick_job_id(data, harness));
      const uint32_t partition = pick_small(data);
      uint32_t attempt = pick_small(data);
      message.setPartition(partition);
      message.setAttempt(attempt);
      const uint64_t written = data.ConsumeIntegralInRange<uint64_t>(0, 5000);
      message.setBytesWritten(written);
      message.setChecksum(data.ConsumeIntegral<uint64_t>());
      message.setBytesRead(data.ConsumeIntegral<uint64_t>());
      if (data.ConsumeBool()) {
        // A report that adds up and chains with its neighbours' planned
        // ranges, so that the scheduler can commit it and the publisher run.
        const uint64_t begin = uint64_t{partition} * kSplitBytes;
        const uint64_t rows_out = data.ConsumeIntegralInRange<uint64_t>(0, 40);
        const uint64_t rows_filtered = data.ConsumeIntegralInRange<uint64_t>(0, 3);
        message.setRowsIn(rows_out + rows_filtered);
        message.setRowsOut(rows_out);
        message.setRowsFiltered(rows_filtered);
        attempt = data.ConsumeIntegralInRange<uint32_t>(1, 2);
        message.setAttempt(attempt);
        message.setStartOffset(partition == 0 ? kHeaderBytes : begin);
        message.setEndOffset(std::min(harness.input_bytes, begin + kSplitBytes));
      } else {
        message.setRowsIn(data.ConsumeIntegral<uint64_t>());
        message.setRowsOut(data.ConsumeIntegral<uint64_t>());
        message.setRowsFiltered(data.ConsumeIntegral<uint64_t>());
        message.setRowsRejected(data.ConsumeBool() ? 0 : data.ConsumeIntegral<uint64_t>());
        message.setRejectsBytes(data.ConsumeIntegral<uint64_t>());
        message.setRejectsChecksum(data.ConsumeIntegral<uint64_t>());
        message.setStartOffset(data.ConsumeIntegralInRange<uint64_t>(0, 2 * kSplitBytes));
        message.setEndOffset(data.ConsumeIntegralInRange<uint64_t>(0, 5 * kSplitBytes));
      }
      maybe_write_temporary(data, harness, partition, attempt, written);
      break;
    }
    case 5: {
      auto message = envelope.initFailed();
      message.setJobId(pick_job_id(data, harness));
      message.setPartition(pick_small(data));
      message.setAttempt(pick_small(data));
      message.setMessage(data.ConsumeRandomLengthString(200));
      message.setRetryable(data.ConsumeBool());
      break;
    }
    case 6: {
      auto message = envelope.initSubmitJob();
      message.setSpecYaml(data.ConsumeBool() ? harness.spec_yaml
                                             : data.ConsumeRandomLengthString(400));
      message.setSpecFile(data.ConsumeRandomLengthString(40));
      message.setBaseDir(data.ConsumeBool() ? harness.dir : data.ConsumeRandomLengthString(40));
      break;
    }
    case 7:
      envelope.initStatusRequest().setJobId(data.ConsumeBool() ? "" : pick_job_id(data, harness));
      break;
    case 8:  // rarely the real job: a cancelled job takes no more reports
      envelope.initCancelJob().setJobId(data.ConsumeIntegralInRange(0, 63) == 0
                                            ? harness.job.id
                                            : data.ConsumeRandomLengthString(80));
      break;
    // Messages only the coordinator sends: a peer sending them is dropped.
    case 9:
      envelope.initWelcome().setHeartbeatMs(data.ConsumeIntegral<uint32_t>());
      break;
    case 10: {
      auto message = envelope.initTask();
      message.setJobId(pick_job_id(data, harness));
      message.setTempPath(data.ConsumeRandomLengthString(100));
      break;
    }
    case 11:
      envelope.initCommitDecision().setAccepted(data.ConsumeBool());
      break;
    case 12:
      envelope.initSubmitReply().setJobId(data.ConsumeRandomLengthString(20));
      break;
    case 13:
      envelope.initStatusReply().initJobs(data.ConsumeIntegralInRange<uint32_t>(0, 4));
      break;
    case 14:
      envelope.initErrorReply().setMessage(data.ConsumeRandomLengthString(100));
      break;
    default:
      envelope.initTaskAbort().setJobId(pick_job_id(data, harness));
      break;
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
  capnp::MallocMessageBuilder builder;
  build_message(data, state, identity, builder.initRoot<proto::Envelope>());
  send(state, identity, builder);
  return 0;
}
