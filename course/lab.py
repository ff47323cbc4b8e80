"""The two things every lab notebook does the same way: start, and wait for an exercise.

* :func:`start_lab` is the last line of each lab's setup cell: it fixes the seeds, sets the
  plot style, quiets library logs and creates the lab's scratch folder, ``WORK_DIR``. It also
  points the temporary files of the libraries (Apache Beam's ``beam-pipeline-temp*`` folders,
  which Beam leaves behind inside a notebook kernel, PyTorch's compile cache, ``mkdtemp()``
  calls) at a folder of the lab's own, and removes both folders when the kernel exits, so a
  run of a lab leaves nothing in the system's temporary folder.
* :func:`needs` wraps a worked-example or plot cell that uses an exercise's result, so a
  student who has not finished that exercise reads one line instead of a traceback.
"""
from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from course.plotting import use_course_style
from course.repro import DEFAULT_SEED, set_seed

# Library loggers that report progress a student need not see (each lab still shows warnings
# it teaches by letting them through explicitly).
CHATTY_LOGGERS = ("tensorflow", "absl", "apache_beam", "tfx_bsl", "h5py", "matplotlib", "PIL",
                  "numba", "shap", "mlflow", "alembic", "optuna", "urllib3", "git")

_system_temp: str | None = None  # the temporary folder before the first start_lab pointed it elsewhere


def start_lab(name: str, seed: int = DEFAULT_SEED, *, threads: int | None = None) -> Path:
    """Set up a lab: seeds, plot style, quiet logs; returns its fresh scratch folder.

    Call it after the lab's imports (``set_seed`` seeds TensorFlow and PyTorch only when they
    are imported). ``name`` prefixes the scratch folder (``"lab01"``); every file the lab
    writes goes under the returned folder, never next to the notebook. ``threads`` caps the
    threads of TensorFlow, PyTorch and the linear-algebra library (small models on a busy
    two-core machine run faster on one).

    Temporary files that libraries write (``tempfile``, and ``TMPDIR`` for child processes) go
    to a second folder of the lab's, ``<name>-tmp-*``; both folders are removed when the
    process exits.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"start_lab needs a short name made of letters, digits and _ (e.g. 'lab01'), got {name!r}")
    work_dir = _scratch_folders(name)  # first: seeding PyTorch already writes its compile cache folder
    if threads is not None:
        _limit_threads(threads)
    set_seed(seed)
    use_course_style()
    quiet_logs()
    return work_dir


def _scratch_folders(name: str) -> Path:
    """The lab's fresh scratch folder; library temporary files go to a sibling, both removed at exit."""
    global _system_temp
    if _system_temp is None:
        _system_temp = tempfile.gettempdir()
    work_dir = tempfile.mkdtemp(prefix=f"{name}-", dir=_system_temp)
    library_temp = tempfile.mkdtemp(prefix=f"{name}-tmp-", dir=_system_temp)
    tempfile.tempdir = library_temp
    os.environ["TMPDIR"] = library_temp
    atexit.register(_remove_at_exit, os.getpid(), (work_dir, library_temp))
    return Path(work_dir)


def _remove_at_exit(owner: int, folders: tuple[str, ...]) -> None:
    if os.getpid() != owner:  # a forked child exiting: the folders are its parent's
        return
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def quiet_logs() -> None:
    """Lower the chatty library loggers to errors only (call again after a library resets them).

    TensorFlow resets absl's verbosity when it saves a model, so absl gets its own call.
    """
    import sys

    for logger in CHATTY_LOGGERS:
        logging.getLogger(logger).setLevel(logging.ERROR)
    if "absl.logging" in sys.modules or "tensorflow" in sys.modules:
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    if "tensorflow" in sys.modules:
        sys.modules["tensorflow"].get_logger().setLevel(logging.ERROR)


def _limit_threads(threads: int) -> None:
    import sys

    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(threads)
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        with contextlib.suppress(RuntimeError):  # settable only before TensorFlow runs an op
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(threads)


@contextlib.contextmanager
def needs(*exercises: str):
    """Run the block; if it stops because an exercise is unfinished, say so in one line.

    ``with needs("exercise 3 (roc_points)"):`` around a cell that uses ``roc_points``: a
    ``NotImplementedError`` (the release's placeholder) or a ``NameError`` (a cell not run)
    becomes "This cell needs exercise 3 (roc_points): ...". Any other error is raised as usual.
    """
    if not exercises or not all(isinstance(item, str) and item for item in exercises):
        raise ValueError(f"needs() takes the exercises the cell uses, as text, got {exercises!r}")
    try:
        yield
    except (NotImplementedError, NameError) as error:
        what = error.__class__.__name__
        detail = f" ({error})" if isinstance(error, NameError) else ""
        print(f"This cell needs {' and '.join(exercises)}: finish it above, run its cell, then run this "
              f"cell again. [{what}{detail}]")
