#pragma once
// The Publisher carries out the ledger's decisions on the output directory:
// renames a committed attempt's temporary files into place (after fsync, with
// RENAME_NOREPLACE, then an fsync of the directory), writes the manifest and
// _SUCCESS last, and collects temporary files. Every step can be redone after
// a crash and is harmless when redone.
// Layout:
//   OUT/part-00000.csv            OUT/_rejects/part-00000.csv
//   OUT/_temporary/<job>/part-00000-attempt-1.csv (+ rejects-00000-attempt-1.csv)
//   OUT/_MANIFEST.json            OUT/_SUCCESS
// An aggregate job is two stages joined by an exchange: its map tasks
// publish their hash-partitioned partial states to
// OUT/_partials/<job>/map-NNNNN.bin (common/exchange/map_output.h), its
// bucket tasks merge their buckets of those and publish the parts
// OUT/part-NNNNN.<ext>, one per bucket task. An incremental lineage adds
//   OUT/_manifests/generation-00001.json …   one per successful run
// output.mode (output_dir.h): overwrite does all of this in
// OUT.sluice-<job>.tmp and swaps it in at the end; append numbers parts from
// job.part_base and lists the old manifest's entries before its own.
// A job with no partitions (every input empty) publishes one part of 0 rows:
// the header of its columns as far as they are known (none: 0 bytes).
// A job that stopped (collect_temporary) leaves no _temporary/<job> or
// _partials/<job>. Failed: its published parts stay (resubmitting resumes it
// and keeps them), an aggregate's rejects and merged part go too (it runs
// again whole). Cancelled (never resumed): its parts and rejects go.

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/io/filesystem.h"
#include "coordinator/output_paths.h"
#include "coordinator/records.h"

namespace sluice {

// Renames the partition's committed attempt into place.
Status publish_partition(Filesystem& files, const JobRecord& job, const PartitionRecord& partition);
// Removes an attempt's temporary files (refused, discarded or aborted
// attempts); for a job that ended, its temporary directory with them.
void discard_attempt(Filesystem& files, const JobRecord& job, uint32_t partition, uint32_t attempt);
// Why the temporary files of a reported attempt cannot win (missing, or
// not the size the worker reported), or nullopt when they are whole.
std::optional<std::string> temporary_files_problem(Filesystem& files, const JobRecord& job,
                                                   uint32_t partition, uint32_t attempt,
                                                   const PartStats& stats);
// Removes every file in _temporary/<job> whose path is not in `keep`
// (after a restart: files no written attempt owns).
void remove_temporaries_except(Filesystem& files, const JobRecord& job,
                               const std::set<std::string>& keep);
// The job's partition record `index` (0 .. job.partitions_total - 1), read
// in place: the scheduler's, not copied.
using PartitionAt = std::function<const PartitionRecord&(uint32_t index)>;

// Writes _MANIFEST.json (atomically; streamed partition by partition, in
// memory that does not grow with the job's partitions) and _SUCCESS, and removes
// _temporary/<job> and _partials/<job>. A run of an incremental lineage
// (job.lineage_id) also writes _manifests/generation-NNNNN.json, and its
// _MANIFEST.json lists `lineage_files` (what earlier runs published, less
// the files this run replaces) and its own parts.
Status finish_output(Filesystem& files, const JobRecord& job, const PartitionAt& partition_at,
                     const std::map<std::string, SeenFile>& lineage_files = {});
// Removes _temporary/<job> and _partials/<job> (at job end, and for ended
// jobs at restart); for a succeeded incremental run, also the output files
// it replaced (its manifest, durable, no longer lists them).
void collect_temporary(Filesystem& files, const JobRecord& job);

// Removes _temporary/<job> and _partials/<job>, and the shared parents when
// no other job uses them (ended_jobs.cc uses it too).
void remove_working_dirs(Filesystem& files, const JobRecord& job);

// Collects (ended_jobs.cc), once per job, what a job that ended left: collect_temporary,
// and for a failed or cancelled job the published files the header above
// says go. seed() after a restart: those ended before are not collected
// again (their directory may be another job's by now). The loop calls
// collect() every round (a job seen running again, resumed, is collected
// when it ends again), and sweep() when it shuts down (a worker stopped in
// the middle of an attempt of an ended job may have left its file).
class EndedJobs {
 public:
  explicit EndedJobs(Filesystem& files) : files_(files) {}
  void seed(const std::vector<const JobRecord*>& jobs);
  // Not (yet) a job `busy` names: its files are being renamed.
  using Busy = std::function<bool(const std::string& job_id)>;
  void collect(const std::vector<const JobRecord*>& jobs, const Busy& busy = {});
  void sweep(const std::vector<const JobRecord*>& jobs) const;

 private:
  Filesystem& files_;
  std::set<std::string> collected_;
};

}  // namespace sluice
