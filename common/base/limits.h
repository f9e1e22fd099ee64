#pragma once
// Every limit of sluice in one place, with the reason beside it. Relations
// between limits are checked at compile time below.

#include <cstddef>
#include <cstdint>

namespace sluice::limits {

// --- control plane -------------------------------------------------------
// Workers and the coordinator send a heartbeat this often when otherwise idle;
// any message counts as one.
inline constexpr int64_t kHeartbeatMs = 250;
// Missed heartbeats before a peer is declared dead.
inline constexpr int64_t kHeartbeatLiveness = 8;
// A worker's lease on a partition lasts this long past its last message.
inline constexpr int64_t kLeaseMs = 3000;
// A worker waits between reconnect attempts, doubling up to the max.
inline constexpr int64_t kReconnectBackoffMsMin = 100;
inline constexpr int64_t kReconnectBackoffMsMax = 2000;
// Backoff before a failed partition is tried again (doubles per attempt).
inline constexpr int64_t kRetryBackoffMsMin = 100;
// The coordinator's poll timeout; bounds how late a lease expiry is noticed.
inline constexpr int64_t kCoordinatorTickMs = 50;
// Threads that admit submitted jobs off the coordinator's loop (listing S3,
// sniffing files, asking PostgreSQL for key bounds), and submissions that may
// wait for one; more are refused ("coordinator busy").
inline constexpr size_t kAdmissionThreads = 2;
inline constexpr size_t kAdmissionQueueMax = 64;
// Threads that carry out the coordinator's slow effects off its loop (a
// job's end: manifest, _SUCCESS, overwrite swap, collection), and effects
// that may wait for one; a full queue defers the effect to a later round.
inline constexpr size_t kEffectThreads = 2;
inline constexpr size_t kEffectQueueMax = 64;
// Speculative execution (when a job asks for it): a second attempt starts
// for a partition running longer than this factor times the median, and
// never before this many milliseconds.
inline constexpr int64_t kSpeculationFactor = 3;
inline constexpr int64_t kSpeculationMinMs = 1000;
// Peers the coordinator keeps track of; more are refused.
inline constexpr size_t kPeersMax = 1024;
// Slots one worker may declare.
inline constexpr uint32_t kWorkerSlotsMax = 256;
// Jobs whose compiled file a worker keeps (least recently used out), and
// that the coordinator remembers having sent each worker: a Task carries
// its job's file only when the coordinator has not sent it to that worker.
inline constexpr size_t kWorkerJobFilesMax = 16;

// --- messages --------------------------------------------------------------
// Largest frame accepted on any socket (ZMQ_MAXMSGSIZE): a task or report is
// a few hundred bytes; a job spec is at most kJobSpecBytesMax.
inline constexpr int64_t kJobSpecBytesMax = 1 << 20;
inline constexpr int64_t kMessageBytesMax = kJobSpecBytesMax + (64 << 10);
// output.partition_by: the files one task may write (one per partition value
// it meets), and the bytes of their directory names, so that its report
// stays well within a message.
inline constexpr size_t kPartitionFilesPerTaskMax = 10000;
inline constexpr size_t kPartitionDirBytesPerTaskMax = 512 << 10;
// Cap'n Proto reader limits (words of 8 bytes, and pointer depth).
inline constexpr uint64_t kTraversalLimitWords = static_cast<uint64_t>(kMessageBytesMax) / 8 * 2;
inline constexpr int kNestingLimit = 16;
// A partition whose holders keep dying (lost leases, not task errors) fails
// the job after this many in a row: far more than any number of kills the
// cluster survives, far less than forever.
inline constexpr uint32_t kLeasesLostMax = 8;
// Two deaths of a partition's holders whose last reported offsets are this
// close are taken as one cause: the partition is re-run isolating.
inline constexpr uint64_t kCrashNearBytes = 8ull << 20;
// An isolating attempt announces records this many at a time, and then one
// at a time for this many from the offset where its predecessor died.
inline constexpr size_t kIsolateBatchRows = 64;
// Socket high-water marks (messages queued per peer).
inline constexpr int kSocketHighWaterMark = 1000;

// --- data plane ------------------------------------------------------------
// Bytes read per pread() into the worker's reused input buffer.
inline constexpr size_t kReadChunkBytes = 1 << 20;
// Rows per batch handed from the reader to the pipeline.
inline constexpr size_t kBatchRowsMax = 4096;
// Default and bounds of input.max_record_size: a longer record is rejected
// without being held, so memory stays bounded.
inline constexpr uint64_t kRecordBytesDefault = 16ull << 20;
inline constexpr uint64_t kRecordBytesMax = 256ull << 20;
// Default and bounds of input.split_size.
inline constexpr uint64_t kSplitBytesDefault =
    32ull << 20;  // measured best of 8-64 MiB for 2 workers (bench/RESULTS.md)
inline constexpr uint64_t kSplitBytesMin = 256;
// A job may not plan more partitions than this (state and manifest size).
inline constexpr uint64_t kPartitionsMax = 1'000'000;
// Raw record bytes kept in a reject line.
inline constexpr size_t kRejectRawBytesMax = 4096;
// Columns in one record.
inline constexpr size_t kColumnsMax = 4096;
// Bytes buffered by an output writer before a write().
inline constexpr size_t kWriteBufferBytes = 1 << 20;
// Attempts per partition when the job file does not say.
inline constexpr uint32_t kAttemptsDefault = 3;
// A lookup step's table is loaded whole by every worker (and held once per
// process): its file may not be larger than this, so memory stays bounded.
inline constexpr uint64_t kLookupFileBytesMax = 64ull << 20;
// An exec step sends this many rows per batch unless the step says; a
// batch may not be larger than kBatchRowsMax (the pipeline's batch).
inline constexpr uint32_t kExecBatchRowsDefault = 1000;
// An exec step's program must answer a batch within this (default) time.
inline constexpr int64_t kExecTimeoutMsDefault = 30'000;
// Tries per exec batch (the program is restarted between them) by default.
inline constexpr uint32_t kExecAttemptsDefault = 3;
// First backoff between exec tries; doubles each time.
inline constexpr int64_t kExecBackoffMsMin = 100;
// Bytes of an exec program's stderr kept for the error message (the tail).
inline constexpr size_t kExecStderrBytesMax = 4096;
// One JSON line returned by an exec program may not be longer than this.
inline constexpr size_t kExecLineBytesMax = 16u << 20;
// Parquet output (common/parquet): a row group is buffered whole in memory
// (its columns are written one after the other), so it ends at this many
// bytes of buffered values or rows, whichever comes first; memory stays flat
// whatever the partition size. 64 MiB / 1M rows is the size DuckDB, Polars
// and Spark read efficiently (Arrow's default is 1M rows).
inline constexpr uint64_t kParquetRowGroupBytesMax = 64ull << 20;
inline constexpr uint64_t kParquetRowGroupRowsMax = 1ull << 20;
// A data page ends past this many bytes of values (readers' default page size).
inline constexpr uint64_t kParquetPageBytesMax = 1ull << 20;
// A string column chunk is dictionary-encoded unless its distinct values take
// more than this (Arrow's dictionary page limit); then it is written PLAIN.
inline constexpr uint64_t kParquetDictionaryBytesMax = 1ull << 20;
// Min/max statistics of a string column chunk are left out when the longest
// of them is longer than this, so a huge value does not bloat the footer.
inline constexpr size_t kParquetStatisticsBytesMax = 1024;
// A footer we read back (sluice verify) may not be larger than this.
inline constexpr uint64_t kParquetFooterBytesMax = 64ull << 20;
// Parquet input (common/parquet/column_reader.h): a page is read whole, so
// its compressed and its decompressed bytes may not pass this (writers use
// about 1 MiB; Arrow's dictionary pages stay near 1 MiB too).
inline constexpr uint64_t kParquetInputPageBytesMax = 64ull << 20;
// A data page may not hold more values than this (NULLs included): its
// definition levels are counted before its values are read, and runs can
// claim any count in a few bytes. Writers end pages near 1 MiB (Arrow also
// at 20,000 rows); 64 Mi booleans is 8 MiB of values.
inline constexpr uint64_t kParquetPageValuesMax = 64ull << 20;
// A page header (with its statistics) may not be longer than this.
inline constexpr uint64_t kParquetPageHeaderBytesMax = 1ull << 20;
// A Parquet reader's batch ends past this many bytes of values' text (or
// kBatchRowsMax rows), sized from the rows of its previous batch.
inline constexpr uint64_t kParquetBatchBytesTarget = 8ull << 20;
// The exchange (docs/ARCHITECTURE.md, "Stages and exchanges"). A map task
// hash-partitions its rows into kExchangeBucketsFine buckets (or the job's
// `parallelism`); when every map output is committed, the coordinator groups
// neighbouring buckets into reduce tasks of about kBucketTargetBytes of map
// output each. A task's hash table spills past `memory_per_task`.
inline constexpr uint32_t kBucketsMax = 4096;
inline constexpr uint32_t kExchangeBucketsFine = 64;
// 32 MiB: W4 at 1M rows (12 MB of partial states) still gets a bucket task
// per worker; at 128 MiB its one bucket task ran alone (bench/RESULTS.md run 8).
inline constexpr uint64_t kBucketTargetBytes = 32ull << 20;
inline constexpr uint64_t kMemoryPerTaskDefault = 256ull << 20;
// A global sort (docs/ARCHITECTURE.md, "Global sort"): each map task's sorted
// output holds a sparse index entry per block of about kSortBlockBytes (a
// bucket task reads and checks a block at a time, so its buffers are blocks)
// and a sample of at most kSortSampleKeys keys, from which every bucket task
// computes the same key ranges.
inline constexpr uint64_t kSortBlockBytes = 16ull << 10;
inline constexpr uint32_t kSortSampleKeys = 256;
// Sorted outputs a bucket task merges at once, whatever its memory: bounds
// open files (more are merged in passes through spill files).
inline constexpr size_t kSortMergeFanInMax = 256;
// `limit: N`: at most this many rows (a number YAML reads exactly).
inline constexpr uint64_t kLimitRowsMax = 1ull << 50;
inline constexpr uint64_t kMemoryPerTaskMin = 64ull << 10;
// Expressions: the parser, binder, constant folding and evaluation recurse
// once per level of the tree, on threads with 8 MiB stacks. Parentheses,
// NOT and unary minus may nest this deep (each level is ~10 parser frames);
// operator chains (a OR b OR ...) may make the tree this deep. A job file
// (kJobSpecBytesMax) could otherwise hold a tree 500,000 levels deep, and
// 10,000 nested parentheses already overflowed the stack. IN lists build a
// balanced tree and never come near the limit.
inline constexpr size_t kExpressionNestingMax = 256;
inline constexpr size_t kExpressionDepthMax = 10'000;
// Memory of one compiled regular expression (RE2's max_mem, its default):
// a pattern whose program needs more is refused when the job is checked; the
// matcher's DFA cache lives in the rest, and when it fills RE2 falls back to
// its NFA, slower but still linear in the text. Held once per constant
// pattern per process.
inline constexpr size_t kRegexMemoryBytesMax = 8u << 20;

static_assert(kLeaseMs > kHeartbeatMs * kHeartbeatLiveness,
              "a lease must outlive the heartbeats that keep it");
static_assert(kCoordinatorTickMs < kHeartbeatMs, "the loop must tick faster than heartbeats");
static_assert(kReconnectBackoffMsMax < kLeaseMs, "a reconnecting worker comes back within a lease");
static_assert(kTraversalLimitWords * 8 >= static_cast<uint64_t>(kMessageBytesMax),
              "the reader must be able to traverse the largest frame");
static_assert(kRecordBytesDefault <= kRecordBytesMax);
static_assert(kIsolateBatchRows <= kBatchRowsMax, "an isolating slice is part of a batch");
static_assert(kLeasesLostMax >= 5,
              "pinning a record takes five deaths (2 near, 1 coarse, 2 single)");
static_assert(kSplitBytesMin < kSplitBytesDefault);
static_assert(kExchangeBucketsFine <= kBucketsMax);
static_assert(kMemoryPerTaskMin < kMemoryPerTaskDefault);
static_assert(kExecBatchRowsDefault <= kBatchRowsMax, "an exec batch fits in a pipeline batch");
static_assert(kExecBackoffMsMin * (1 << 4) < kExecTimeoutMsDefault,
              "backoff stays small next to a batch's timeout");
static_assert(kParquetPageBytesMax <= kParquetRowGroupBytesMax, "pages are parts of a row group");
static_assert(kExpressionNestingMax < kExpressionDepthMax,
              "what nesting alone builds stays within the depth limit");
static_assert(kParquetRowGroupBytesMax < (1ull << 31), "page sizes fit Parquet's i32 fields");

}  // namespace sluice::limits
