#pragma once
// Exactly-once output to S3 (output.path: s3://bucket/prefix), where there
// is no rename: each attempt's worker uploads its part (and its rejects) to
// the final key as a multipart upload it does not complete, invisible, and
// reports the uploads with its Done. The ledger commits the winning attempt
// with its uploads; only then does the coordinator complete them, its
// "publish", which a redo after a crash recognises as done
// (complete_upload_once). Refused and discarded attempts' uploads are
// aborted; at the job's end the uploads under the prefix that belong to no
// committed attempt (workers killed mid-upload) are aborted where the store
// lists them; _MANIFEST.json and _SUCCESS are PUT last.
// Every kind of job but an incremental one (admission refuses it:
// s3_output_unsupported): the tasks that write parts (map tasks of a
// map-only job, bucket and merge tasks of an exchange, each partition file
// under output.partition_by) upload them; an exchange's map and sorted
// outputs stay local, in the job's exchange_dir. The coordinator's S3
// calls run off its loop: admission's (claim_s3_output) on its threads,
// completes and aborts as effects (core_renames.cc), the manifest and
// deletes in a job's end. output.mode: overwrite numbers the new parts after the old
// ones and deletes the old objects once the new manifest is in place;
// append numbers them after the old ones and PUTs a manifest of both.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/s3/client.h"
#include "common/s3/upload.h"
#include "coordinator/records.h"

namespace sluice {

bool is_s3_output(const JobRecord& job);
// s3://bucket/prefix/part-NNNNN.<ext> (the part partition `partition`
// writes: writes_part) and s3://bucket/prefix/_rejects/part-NNNNN.csv.
std::string s3_part_url(const JobRecord& job, uint32_t partition);
std::string s3_rejects_url(const JobRecord& job, uint32_t partition);
// The local directory of an exchange job's map and sorted outputs (and of
// the coordinator's temporary files): $SLUICE_EXCHANGE_DIR/<job> when the
// coordinator has it set (a directory its workers share), else
// $TMPDIR/sluice-exchange-<job>. Fixed in the job's record at admission.
std::string s3_exchange_dir(const JobRecord& job);
// What an s3:// output cannot be combined with yet, or nullopt; as an error
// naming the job file (kInvalidArgument).
std::optional<std::string> s3_output_unsupported(const JobRecord& job);
Status check_s3_output_supported(const JobRecord& job);
// A client for the job's output (output.s3 of its job file).
Result<std::unique_ptr<S3Client>> output_s3_client(const JobRecord& job);

// Admission, by output.mode. error: the prefix is free (nothing there), or
// holds this same job's unfinished output; another job's _MANIFEST.json, a
// finished run of this job or objects no manifest lists are refused.
// overwrite: accepted. append: over a finished output (_SUCCESS) that is not
// an incremental lineage's. Both set job.part_base after every part-NNNNN
// name under the prefix, so that no new object replaces an old one.
Status claim_s3_output(JobRecord& job);
// Why a Done's uploads cannot be the partition's (a worker's report is not
// trusted with URLs), or nullopt: when the partition writes a part, the
// part's upload to its final URL of bytes_written bytes (under
// output.partition_by one per reported file, of its bytes, in its order),
// then the rejects' when there are any, each of at most kS3PartsMax parts
// numbered 1..N.
std::optional<std::string> s3_uploads_problem(const JobRecord& job, uint32_t partition,
                                              const PartStats& stats);
// Completes the committed attempt's uploads (idempotent).
Status publish_s3_partition(const JobRecord& job, const PartitionRecord& partition);
// Aborts uploads of an attempt that will never be published (best effort: an
// upload left behind is invisible, and the job's end sweeps again).
void abort_s3_uploads(const JobRecord& job, const std::vector<S3UploadRecord>& uploads);
// True when the job's _MANIFEST.json (naming it) and _SUCCESS are there.
Result<bool> s3_output_finished(const JobRecord& job);
// PUTs `body` at `name` under the job's prefix.
Status put_s3_object(const JobRecord& job, const std::string& name, const std::string& body);
// The job's end: aborts the uploads under its prefix no committed attempt
// owns, then PUTs the manifest and _SUCCESS.
Status finish_s3_output(const JobRecord& job, const std::vector<PartitionRecord>& partitions,
                        const std::string& manifest_text);

// The object `name` under the job's prefix, or nullopt when there is none.
Result<std::optional<std::string>> get_s3_object(const JobRecord& job, const std::string& name);
// output.mode: overwrite, once the job's manifest is in place: deletes every
// object under the prefix that manifest does not list (the replaced
// output). Idempotent: a redo after a crash deletes what is left.
Status remove_s3_replaced(const JobRecord& job);

}  // namespace sluice
