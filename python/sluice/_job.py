"""A job given as a path or a dict, made into a job file the binary reads."""

import json
import os
import tempfile


class JobFile:
    """A context manager yielding (absolute path of the job file, its text
    when it was written from a dict, else None). A dict is written as JSON,
    which is YAML, to a temporary file removed on exit."""

    def __init__(self, job):
        if isinstance(job, (str, os.PathLike)):
            self.path, self.text = os.path.abspath(os.fspath(job)), None
        elif isinstance(job, dict):
            self.path, self.text = None, json.dumps(job, indent=2, ensure_ascii=True) + "\n"
        else:
            raise TypeError(f"a job is a path or a dict, not {type(job).__name__}")
        self._directory = None

    def __enter__(self):
        if self.text is not None:
            self._directory = tempfile.TemporaryDirectory(prefix="sluice-job-")
            self.path = os.path.join(self._directory.name, "job.yaml")
            with open(self.path, "w", encoding="utf-8") as file:
                file.write(self.text)
        return self.path, self.text

    def __exit__(self, *exc):
        if self._directory is not None:
            self._directory.cleanup()
        return False
