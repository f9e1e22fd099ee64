#pragma once
// Where a job's files live (the layout is in publisher.h): its working
// directory, its temporary and partial files for every kind of task (map,
// bucket, merge), and the names of its parts and rejects.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/records.h"

namespace sluice {

// `name` inside the job's working directory.
std::string in_output(const JobRecord& job, const std::string& name);
// Where the job writes: output_dir, or for output.mode: overwrite its
// staging directory beside it; for an s3:// output with an exchange, the
// local exchange_dir (its map and sorted outputs; the parts go to S3).
std::string work_dir(const JobRecord& job);
std::string temporary_dir(const JobRecord& job);
std::string temp_part_path(const JobRecord& job, uint32_t partition, uint32_t attempt);
std::string temp_rejects_path(const JobRecord& job, uint32_t partition, uint32_t attempt);
// The temporary files an attempt may leave: its part (or map output, sorted
// output) and its rejects.
std::vector<std::string> attempt_files(const JobRecord& job, uint32_t partition, uint32_t attempt);
// Part numbers are job.part_base + partition (part_base is 0 unless the job
// is a run of an incremental lineage).
std::string part_name(const JobRecord& job, uint32_t partition);     // "part-00000.csv"
std::string rejects_name(const JobRecord& job, uint32_t partition);  // "_rejects/part-00000.csv"
std::string partials_dir(const JobRecord& job);
// An aggregate job's partition `partition` is a bucket task (not a map task).
bool is_bucket_task(const JobRecord& job, uint32_t partition);
// Where a map task's committed output is published: _partials/<job>/map-NNNNN.bin.
std::string map_output_path(const JobRecord& job, uint32_t partition);
// A job that sorts after its aggregate: its last partition is the merge task
// (once planned), and its bucket tasks' sorted outputs are published to
// _partials/<job>/sorted-NNNNN.bin (NNNNN: the bucket task's number).
bool is_merge_task(const JobRecord& job, uint32_t partition);
std::string sorted_output_path(const JobRecord& job, uint32_t partition);

// Whether the partition's output is a part of the job's result (not a map
// output or a sorted output for the merge task).
bool writes_part(const JobRecord& job, uint32_t partition);
// The part number partition `partition` publishes (writes_part).
uint32_t part_number(const JobRecord& job, uint32_t partition);
// output.partition_by: where file `file` of an attempt's report is written
// (its temporary path) and published: OUT/<dir>/part-NNNNN.<ext>.
std::string temp_partition_file_path(const JobRecord& job, uint32_t partition, uint32_t attempt,
                                     size_t file);
std::string partition_file_name(const JobRecord& job, uint32_t partition,
                                const PartitionFile& file);
// Why a report's files cannot be the partition's (a worker's report is not
// trusted with paths), or nullopt: a partitioned part's files must each be
// a partition directory of the job's columns and add up to the rows and
// bytes reported; any other output lists none.
std::optional<std::string> partition_files_problem(const JobRecord& job, uint32_t partition,
                                                   const PartStats& stats);

}  // namespace sluice
