"""Helpers shared by every lab of "ML in Production".

Import is cheap: TensorFlow, PyTorch and pandas load only when a helper needs them.
"""
import os

# Quiet TensorFlow's C++ start-up log (CUDA probing, CPU features) in the notebooks;
# effective when `course` is imported before TensorFlow, as every lab does.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from course.checks import CheckFailed, check, check_that
from course.repro import set_seed

__all__ = ["CheckFailed", "check", "check_that", "set_seed"]
