#pragma once
// A job's _MANIFEST.json (docs/OUTPUT.md): its inputs, parts, rejects and
// each partition's accounting, with the row totals. A job's manifest is
// streamed partition by partition (manifest_stream.h), so the coordinator's
// memory at a job's end does not grow with its number of partitions; a run
// of an incremental lineage's manifests are still built as trees, from its
// lineage's recorded files.
// Thread safety: none (the coordinator loop's).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/io/filesystem.h"
#include "coordinator/manifest_stream.h"
#include "coordinator/publisher.h"
#include "coordinator/records.h"

namespace sluice {

// A part the coordinator wrote itself (the empty part of a job without
// partitions, the merged part).
struct PartFile {
  std::string name;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t checksum = 0;
};

// The manifest of a job that is not a run of an incremental lineage, into
// `sink`: its partitions read one at a time through `partition_at`,
// `written` listed last among the parts. output.mode append: the manifest
// in place is read first and its entries listed before the job's.
Status write_job_manifest(TextSink& sink, const JobRecord& job, const PartitionAt& partition_at,
                          const std::optional<PartFile>& written);

// A run of an incremental lineage: the generation's own manifest, then the
// top one listing every current part (earlier runs' files, less those this
// run replaces, then this run's), then _SUCCESS.
Status finish_incremental(Filesystem& files, const JobRecord& job,
                          const std::vector<PartitionRecord>& partitions,
                          const std::map<std::string, SeenFile>& lineage_files);

}  // namespace sluice
