"""The two things every lab notebook does the same way: start, and wait for an exercise.

* :func:`start_lab` is the last line of each lab's setup cell: it fixes the seeds, sets the
  plot style, quiets library logs and creates the lab's scratch folder, ``WORK_DIR``.
* :func:`needs` wraps a worked-example or plot cell that uses an exercise's result, so a
  student who has not finished that exercise reads one line instead of a traceback.
"""
from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path

from course.plotting import use_course_style
from course.repro import DEFAULT_SEED, set_seed

# Library loggers that report progress a student need not see (each lab still shows warnings
# it teaches by letting them through explicitly).
CHATTY_LOGGERS = ("tensorflow", "absl", "apache_beam", "tfx_bsl", "h5py", "matplotlib", "PIL",
                  "numba", "shap", "mlflow", "alembic", "optuna", "urllib3", "git")


def start_lab(name: str, seed: int = DEFAULT_SEED, *, threads: int | None = None) -> Path:
    """Set up a lab: seeds, plot style, quiet logs; returns its fresh scratch folder.

    Call it after the lab's imports (``set_seed`` seeds TensorFlow and PyTorch only when they
    are imported). ``name`` prefixes the scratch folder (``"lab01"``); every file the lab
    writes goes under the returned folder, never next to the notebook. ``threads`` caps the
    threads of TensorFlow, PyTorch and the linear-algebra library (small models on a busy
    two-core machine run faster on one).
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"start_lab needs a short name made of letters, digits and _ (e.g. 'lab01'), got {name!r}")
    if threads is not None:
        _limit_threads(threads)
    set_seed(seed)
    use_course_style()
    quiet_logs()
    return Path(tempfile.mkdtemp(prefix=f"{name}-"))


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
