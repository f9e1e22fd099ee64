#pragma once
// A test-only fault: when SLUICE_TEST_CRASH_ON_VALUE is set in a worker's
// environment, the worker really dies of SIGSEGV on the first record holding a field equal to that
// value, before the pipeline sees it. It proves the quarantine of records that crash workers end to
// end (tests/cluster/quarantine_test.cc). Unset, it costs one branch per batch.

#include <optional>
#include <string>

#include "common/base/batch.h"

namespace sluice {

class CrashTrigger {
 public:
  // Read once per process.
  static const CrashTrigger& from_environment();

  // Crashes the process when a field of `batch` equals the marker.
  void crash_if_marked(const RecordBatch& batch) const;

 private:
  std::optional<std::string> marker_;
};

}  // namespace sluice
