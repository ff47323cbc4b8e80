"""Helpers shared by every lab of "ML in Production".

Import is cheap: TensorFlow, PyTorch and pandas load only when a helper needs them.
Import ``course`` before TensorFlow (every lab's first line does): it quiets TensorFlow's
start-up log, both the Python side and the native lines (:mod:`course.quiet`).
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# MLflow (lab 12): no telemetry, no hints, whatever the import order (course.tracking does the rest).
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_DISABLE_AGENT_HINT", "1")

from course import quiet  # noqa: E402

quiet.install()

from course.checks import CheckFailed, check, check_that  # noqa: E402
from course.lab import needs, start_lab  # noqa: E402
from course.repro import set_seed  # noqa: E402

__all__ = ["CheckFailed", "check", "check_that", "needs", "set_seed", "start_lab"]
