@0x802e9a8136d3478c;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("sluice::proto::schema");
# Messages between sluice peers. One Envelope per ZeroMQ frame; a union of
# message kinds. Units are in field names. New fields go at the end of a
# struct with the next number; never renumber.

struct Envelope {
  union {
    register @0 :Register;
    welcome @1 :Welcome;
    heartbeat @2 :Heartbeat;
    requestWork @3 :RequestWork;
    task @4 :Task;
    progress @5 :Progress;
    done @6 :Done;
    failed @7 :Failed;
    commitDecision @8 :CommitDecision;
    submitJob @9 :SubmitJob;
    submitReply @10 :SubmitReply;
    statusRequest @11 :StatusRequest;
    statusReply @12 :StatusReply;
    cancelJob @13 :CancelJob;
    errorReply @14 :ErrorReply;
    taskAbort @15 :TaskAbort;
    progressAck @16 :ProgressAck;
  }
}

# worker -> coordinator, first message on a connection (and after a restart).
struct Register {
  workerId @0 :Text;         # stable for the worker process
  slots @1 :UInt32;          # tasks it can run at once
  host @2 :Text;
  pid @3 :UInt32;
  protocolVersion @4 :UInt32;
}

# coordinator -> worker, answer to Register.
struct Welcome {
  coordinatorId @0 :Text;    # changes when the coordinator restarts
  heartbeatMs @1 :UInt32;
  leaseMs @2 :UInt32;
}

# either way, when nothing else was sent for heartbeatMs.
struct Heartbeat {
  activeTasks @0 :UInt32;
  # worker -> coordinator: the worker's anonymous resident memory
  # (/proc/self/status RssAnon) in bytes; 0 when unknown or from the coordinator.
  rssAnonBytes @1 :UInt64;
}

# worker -> coordinator: credit. The coordinator sends at most freeSlots tasks.
struct RequestWork {
  freeSlots @0 :UInt32;
}

# coordinator -> worker: read one partition.
struct Task {
  jobId @0 :Text;
  partition @1 :UInt32;
  attempt @2 :UInt32;
  specYaml @3 :Text;         # the job file (the worker compiles and caches it per job): only
                             # in the first Task of a job to a worker, or after its refusal
                             # (Failed.jobFileMissing); empty otherwise
  baseDir @4 :Text;          # relative paths in the spec resolve against it
  path @5 :Text;             # the input file of this partition
  beginOffset @6 :UInt64;    # the byte range [begin, end) in which its records start
  endOffset @7 :UInt64;
  startIsExact @8 :Bool;     # true: the first record starts exactly at exactStartOffset
  exactStartOffset @9 :UInt64;
  fileSizeBytes @10 :UInt64; # as planned; a different size fails the job
  fileMtimeNs @11 :Int64;     # a file's identity; 0 for a postgres input
  tempPath @12 :Text;        # where to write the part, inside the output's _temporary/
  rejectsTempPath @13 :Text; # where to write the rejects of this attempt
  # Quarantine (docs/ARCHITECTURE.md, "A record that crashes workers"):
  isolating @14 :Bool;       # announce each batch (Progress.checkpoint*) and wait for its ack
  isolateFromOffset @15 :UInt64;  # from the record at this offset, batches of one record
  skipOffsets @16 :List(UInt64);  # records that crashed workers: rejected, never processed
  skipReasons @17 :List(Text);    # parallel to skipOffsets
  # The exchange (docs/ARCHITECTURE.md, "Stages and exchanges"). A map task
  # of an aggregate job writes its buckets (as many as the job file says);
  # a bucket task reads buckets [bucketBegin, bucketEnd) of the map outputs
  # mapOutputDir/map-NNNNN.bin, NNNNN < mapOutputCount, and writes a part.
  isBucketTask @18 :Bool;
  bucketBegin @19 :UInt32;
  bucketEnd @20 :UInt32;
  mapOutputDir @21 :Text;
  mapOutputCount @22 :UInt32;
  inputColumns @23 :List(Text);   # the columns the job's steps were checked against
  headerKnown @24 :Bool;          # false: every input was empty
  # The merge task of a job that sorts after its aggregate: merges
  # mapOutputDir/sorted-NNNNN.bin, NNNNN < sortedOutputCount, into the part.
  isFinalMerge @25 :Bool;
  sortedOutputCount @26 :UInt32;
  # A global sort's bucket task (docs/ARCHITECTURE.md, "Global sort"): it is
  # number bucketBegin of bucketTasks, and computes the key ranges of that
  # many tasks from the map outputs' samples.
  bucketTasks @27 :UInt32;
  # A join (docs/ARCHITECTURE.md, "Join"): a map task over the join's input
  # (the right side); a bucket task's map outputs NNNNN >= mapOutputCount -
  # mapTasksRight are the right side's, whose columns are joinRightColumns.
  joinRightSide @28 :Bool;
  mapTasksRight @29 :UInt32;
  joinRightColumns @30 :List(Text);
  # The join runs as a lookup of the right file (map-only): every task
  # rewrites it so (join_as_lookup, with joinRightColumns).
  joinBroadcast @31 :Bool;
  # An s3:// output (docs/ARCHITECTURE.md, "Exactly-once on S3"): the worker
  # writes the part (and rejects) under its own scratch directory, named as
  # tempPath's (rejectsTempPath's) last component, and uploads each to its
  # final URL as a multipart upload it does not complete (Done.uploads).
  # outputUrl is empty for a task that writes no part (a map task of an
  # exchange: its map output goes to tempPath, the job's exchange
  # directory); under output.partition_by each partition file goes to
  # outputUrl with its directory inserted before the file name.
  outputUrl @32 :Text;
  rejectsUrl @33 :Text;
  # A postgres input (docs/POSTGRES.md): the key the offsets are relative to
  # (the query's minimum key when planned).
  keyMin @34 :Int64;
  # The range is a postgres key range (path is the input's name, the
  # offsets keys relative to keyMin; startIsExact, fileSizeBytes and
  # fileMtimeNs unused), not a byte range of the file at path.
  rangeIsKeys @35 :Bool;
}

# worker -> coordinator while a task runs.
struct Progress {
  jobId @0 :Text;
  partition @1 :UInt32;
  attempt @2 :UInt32;
  bytesRead @3 :UInt64;
  rowsRead @4 :UInt64;
  # An isolating attempt is about to process checkpointRows records from the
  # one at checkpointOffset; it waits for ProgressAck{checkpointSeq}. 0: none.
  checkpointSeq @5 :UInt64;
  checkpointOffset @6 :UInt64;
  checkpointRows @7 :UInt32;
}

# coordinator -> worker: the checkpoint of an isolating attempt is recorded.
struct ProgressAck {
  jobId @0 :Text;
  partition @1 :UInt32;
  attempt @2 :UInt32;
  checkpointSeq @3 :UInt64;
}

# worker -> coordinator: the attempt wrote a complete, fsynced temporary file.
struct Done {
  jobId @0 :Text;
  partition @1 :UInt32;
  attempt @2 :UInt32;
  rowsIn @3 :UInt64;
  rowsOut @4 :UInt64;
  rowsFiltered @5 :UInt64;
  rowsRejected @6 :UInt64;
  bytesRead @7 :UInt64;
  bytesWritten @8 :UInt64;
  checksum @9 :UInt64;          # xxh64 of the part file's bytes
  rejectsBytes @10 :UInt64;
  rejectsChecksum @11 :UInt64;
  startOffset @12 :UInt64;      # where its first record started
  endOffset @13 :UInt64;        # where the first record after its range starts
  # output.partition_by: the files the attempt wrote, file i at
  # <tempPath>.d/NNNNN (i as NNNNN); bytesWritten is their sum.
  files @14 :List(PartitionFile);
  # Parquet input: row groups skipped by predicate pushdown (their rows are
  # counted in rowsIn and rowsFiltered).
  rowGroupsSkipped @15 :UInt64;
  # An s3:// output: the uncompleted multipart uploads of the part (and of
  # the rejects, when rowsRejected > 0), at most two, each of at most
  # 10,000 parts (S3's limit); the coordinator completes the committed one.
  uploads @16 :List(Upload);
}

struct Upload {
  url @0 :Text;                 # s3://bucket/key, the object's final place
  uploadId @1 :Text;
  parts @2 :List(UploadPart);   # numbers 1..N in order
}

struct UploadPart {
  number @0 :UInt32;
  etag @1 :Text;
  bytes @2 :UInt64;
}

struct PartitionFile {
  dir @0 :Text;                 # "col=value/col2=value2", Hive-escaped
  rows @1 :UInt64;
  bytes @2 :UInt64;
  checksum @3 :UInt64;          # xxh64 of the file's bytes
}

# worker -> coordinator: the attempt failed.
struct Failed {
  jobId @0 :Text;
  partition @1 :UInt32;
  attempt @2 :UInt32;
  message @3 :Text;
  retryable @4 :Bool;           # false: the job fails (bad spec, changed input, fail-on-error)
  # A bucket task found the output of map task lostMapTask missing or
  # corrupt: that map task runs again, nothing is counted against either.
  mapOutputLost @5 :Bool;
  lostMapTask @6 :UInt32;
  # The worker had no free slot for the Task: nothing ran, and the
  # partition's attempts are not counted (the cluster's problem, not the job's).
  noFreeSlot @7 :Bool;
  # The Task carried no job file and the worker has not got the job's (never
  # had it, or evicted it): nothing ran, no attempt is counted; the next Task
  # of the job to this worker carries the file.
  jobFileMissing @8 :Bool;
}

# coordinator -> worker: the outcome of a Done.
struct CommitDecision {
  jobId @0 :Text;
  partition @1 :UInt32;
  attempt @2 :UInt32;
  accepted @3 :Bool;
  reason @4 :Text;
}

# coordinator -> worker: stop working on an attempt (cancelled, or lost its lease).
struct TaskAbort {
  jobId @0 :Text;
  partition @1 :UInt32;
  attempt @2 :UInt32;
}

# client -> coordinator.
struct SubmitJob {
  specYaml @0 :Text;
  specFile @1 :Text;
  baseDir @2 :Text;
}

struct SubmitReply {
  jobId @0 :Text;
  created @1 :Bool;          # false: the same job existed already
  state @2 :Text;
}

struct StatusRequest {
  jobId @0 :Text;            # empty: every job
}

struct JobStatus {
  jobId @0 :Text;
  name @1 :Text;
  state @2 :Text;            # planned running succeeded failed cancelled
  partitionsTotal @3 :UInt32;
  partitionsDone @4 :UInt32;
  rowsIn @5 :UInt64;
  rowsOut @6 :UInt64;
  rowsRejected @7 :UInt64;
  bytesRead @8 :UInt64;
  bytesTotal @9 :UInt64;
  elapsedMs @10 :UInt64;
  error @11 :Text;
  outputPath @12 :Text;
  rowsFiltered @13 :UInt64;
  stages @14 :Text;          # "map 19/19, buckets 2/3, merge 0/1" (done/total per stage)
}

struct StatusReply {
  jobs @0 :List(JobStatus);
  workersConnected @1 :UInt32;
}

struct CancelJob {
  jobId @0 :Text;
}

struct ErrorReply {
  message @0 :Text;
}
