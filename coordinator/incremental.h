#pragma once
// Incremental runs (input.incremental: true on a directory or a glob).
//
// A lineage is every run of one job file: its id hashes the job file's text,
// the base directory and the output directory. The coordinator remembers, in
// RocksDB ("seen/<lineage>/<path>", see ledger.h), every input file a run of
// the lineage has published output for: its size, modification time and the
// xxh64 of its first and last 64 KiB. Submitting the job again makes a new
// run, a job of its own whose inputs are only the files not seen yet (and,
// with input.on_change: reprocess, the files that changed since). Its id
// hashes the lineage, the run's sequence number and those files' identities.
//
// - Parts are numbered on across runs: a run's partition i publishes
//   part-(part_base + i); part numbers are never reused, so earlier parts are
//   never touched (RENAME_NOREPLACE refuses to).
// - A run that succeeds writes _manifests/generation-NNNNN.json (its own
//   parts) and _MANIFEST.json (generation N: every current part, old and
//   new), then _SUCCESS; its files are recorded as seen in the same RocksDB
//   batch that marks it succeeded. Parts it replaces (on_change: reprocess)
//   are removed only after that batch: the manifest that drops them is
//   durable first.
// - One run of a lineage at a time: a submission while a run is unfinished
//   (running or failed) returns that run, which finishes (or resumes) first;
//   files added meanwhile go to the next run. So no file is processed twice.
//   A failed run whose inputs changed since it was planned is cancelled
//   instead, and its parts deleted: the next run reads those files again.
// - Nothing new: the submission returns the last run, succeeded.
//
// What it reads of the disk (the inputs' identities, the output's lineage)
// admission read off the loop (AdmissionFacts); planning is decisions only.
// Thread safety: plan_incremental_run is called from the coordinator loop
// thread.

#include <set>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "coordinator/admission.h"
#include "coordinator/records.h"

namespace sluice {

class Scheduler;

inline constexpr uint64_t kFingerprintBytes = 64 * 1024;  // hashed at each end of a file

// The lineage of an incremental job: its spec text, base and output directories.
std::string lineage_id_of(const JobRecord& job);

// The file's identity now: size and mtime from `input`, xxh64 of its first
// and last kFingerprintBytes read from disk.
Result<InputVersion> identify_input(const InputFile& input);

// The lineage of the output directory, from its _MANIFEST.json: empty when
// there is none, "-" when it is not an incremental output.
std::string output_lineage(const std::string& output_dir);

// The SeenFile records of a run whose partitions are all published: one per
// input, holding its manifest entries (pure; no I/O).
std::vector<SeenFile> files_of_run(const JobRecord& job,
                                   const std::vector<PartitionRecord>& partitions);

// The output files (parts and rejects, relative to the output directory)
// recorded for a seen file.
std::vector<std::string> output_files_of(const SeenFile& file);

// Turns an admitted submission of an incremental job into a run of its
// lineage: either a new run (record and partitions replaced: only new or
// changed files), or an existing run (an unfinished one, or the last one when
// there is nothing new; partitions emptied, so Scheduler::submit finds it).
// A failed run whose inputs changed since it was planned can never succeed:
// it is cancelled (Scheduler::supersede) and the new run reads its files.
// A job that is not incremental is left as it is. Parts of cancelled runs
// left on disk are named in admitted.stale_files, for the loop to remove.
// `unfinished_at_receipt`: the jobs that were running or failed when the
// submission arrived (admission runs off the loop, and a run may finish
// meanwhile): such a run is still the one this submission returns.
Status plan_incremental_run(Scheduler& scheduler, AdmittedJob& admitted,
                            const std::set<std::string>& unfinished_at_receipt);

// The jobs of `scheduler` running or failed now.
std::set<std::string> unfinished_jobs(const Scheduler& scheduler);

}  // namespace sluice
