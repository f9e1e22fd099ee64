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
// An aggregate job's partitions publish partial states to
// OUT/_partials/<job>/part-NNNNN.csv; finish_output merges them once into
// OUT/part-00000.<ext> (a redo after a crash merges again and finds the
// same bytes in place). An incremental lineage adds
//   OUT/_manifests/generation-00001.json …   one per successful run

#include <map>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "coordinator/records.h"

namespace sluice {

std::string temporary_dir(const JobRecord& job);
std::string temp_part_path(const JobRecord& job, uint32_t partition, uint32_t attempt);
std::string temp_rejects_path(const JobRecord& job, uint32_t partition, uint32_t attempt);
// Part numbers are job.part_base + partition (part_base is 0 unless the job
// is a run of an incremental lineage).
std::string part_name(const JobRecord& job, uint32_t partition);     // "part-00000.csv"
std::string rejects_name(const JobRecord& job, uint32_t partition);  // "_rejects/part-00000.csv"
std::string partials_dir(const JobRecord& job);

// Renames the partition's committed attempt into place.
Status publish_partition(const JobRecord& job, const PartitionRecord& partition);
// Removes an attempt's temporary files (refused, discarded or aborted attempts).
void discard_attempt(const JobRecord& job, uint32_t partition, uint32_t attempt);
// For an aggregate job, merges the partials into the output first. Then
// writes _MANIFEST.json (atomically) and _SUCCESS, and removes
// _temporary/<job> and _partials/<job>. A run of an incremental lineage
// (job.lineage_id) also writes _manifests/generation-NNNNN.json, and its
// _MANIFEST.json lists `lineage_files` (what earlier runs published, less
// the files this run replaces) and its own parts.
Status finish_output(const JobRecord& job, const std::vector<PartitionRecord>& partitions,
                     const std::map<std::string, SeenFile>& lineage_files = {});
// Removes _temporary/<job> (at job end, and for finished jobs at restart);
// for a succeeded incremental run, also the output files it replaced (its
// manifest, durable, no longer lists them).
void collect_temporary(const JobRecord& job);

}  // namespace sluice
