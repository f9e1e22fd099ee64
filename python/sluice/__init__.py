"""sluice from Python: run jobs with the real `sluice` binary and read their
results. Standard library only; pandas is used when installed.

    import sluice
    result = sluice.run("examples/w1-nj-ford-police.yaml", workers=2)
    print(result.rows_out, next(result.rows()))

See python/README.md and docs/PYTHON.md."""

from ._binary import SluiceError, find_binary
from .cluster import Job, LocalCluster, submit
from .progress import FINAL_STATES, Progress
from .result import Result
from .run import check, run, sql

__all__ = ["FINAL_STATES", "Job", "LocalCluster", "Progress", "Result", "SluiceError", "check",
           "find_binary", "run", "sql", "submit"]
