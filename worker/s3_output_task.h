#pragma once
// A task of a job writing to an s3:// output (Task.outputUrl or rejectsUrl
// set): it runs like any other, writing its part (or partition files, and
// spill files) and rejects to files in a directory of its own under $TMPDIR
// (named as the coordinator's temporary paths), then uploads each to its
// final URL as a multipart upload it does not complete (common/s3/upload.h)
// and reports the uploads in its Done, part first, rejects last; the local
// files go either way. A map task of an exchange (no outputUrl) writes its
// map output to its tempPath, the job's exchange directory, as for a
// directory output, and uploads only its rejects. The coordinator completes the committed attempt's
// uploads (coordinator/s3_output.h). An upload that fails is aborted and the attempt fails,
// retryable.

#include "worker/task_runner.h"

namespace sluice {

// run_task, with the uploads of an s3:// output.
TaskOutcome run_task_to_output(const TaskSpec& task, const JobFile& job, TaskControl& control);

}  // namespace sluice
