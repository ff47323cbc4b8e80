"""Offline datasets: everything here ships inside installed packages, nothing is downloaded.

Each loader returns plain NumPy arrays or a pandas DataFrame, split with a fixed seed so a
lab sees the same rows on every machine.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np

from course.repro import DEFAULT_SEED

SKLEARN_DATASETS = ("digits", "breast_cancer", "diabetes", "iris", "wine")
PDPBOX_DATASETS = {"titanic": "titanic/titanic_data.csv", "otto": "otto/otto_data.csv",
                   "ross": "ross/ross_data.csv"}


def _check_fraction(name: str, value: float) -> None:
    if not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValueError(f"{name} must be a fraction strictly between 0 and 1, got {value!r}")


def load_arrays(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Features ``X`` (float32) and target ``y`` of one of scikit-learn's bundled datasets."""
    if name not in SKLEARN_DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(SKLEARN_DATASETS)}")
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")()
    return bunch.data.astype("float32"), bunch.target


def train_test(name: str, test_size: float = 0.25, seed: int = DEFAULT_SEED, scale: bool = True):
    """``(x_train, x_test, y_train, y_test)`` for a bundled scikit-learn dataset.

    Classification sets are split with stratification. With ``scale=True`` features are
    standardised with statistics of the training part only (no leakage into the test part);
    digits are divided by 16 instead, so pixels stay in [0, 1].
    """
    _check_fraction("test_size", test_size)
    from sklearn.model_selection import train_test_split

    X, y = load_arrays(name)
    stratify = None if name == "diabetes" else y
    x_train, x_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=stratify)
    if scale and name == "digits":
        x_train, x_test = x_train / 16.0, x_test / 16.0
    elif scale:
        mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-8
        x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    return x_train.astype("float32"), x_test.astype("float32"), y_train, y_test


def pdpbox_csv(name: str) -> Path:
    """Path of a CSV that ships inside the PDPbox package (titanic, otto, ross)."""
    if name not in PDPBOX_DATASETS:
        raise ValueError(f"unknown PDPbox dataset {name!r}; choose one of {', '.join(PDPBOX_DATASETS)}")
    path = Path(str(resources.files("pdpbox"))) / "examples" / PDPBOX_DATASETS[name]
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: is pdpbox==0.3.0 installed in this environment?")
    return path


def load_titanic():
    """The 891-passenger Titanic table (pandas DataFrame) bundled with PDPbox."""
    import pandas as pd

    return pd.read_csv(pdpbox_csv("titanic"))


def load_otto(n_rows: int | None = None, seed: int = DEFAULT_SEED):
    """The Otto product table (93 count features, 9 classes); ``n_rows`` draws a seeded sample."""
    import pandas as pd

    frame = pd.read_csv(pdpbox_csv("otto"))
    if n_rows is not None:
        if not isinstance(n_rows, int) or not 0 < n_rows <= len(frame):
            raise ValueError(f"n_rows must be an integer in 1..{len(frame)}, got {n_rows!r}")
        frame = frame.sample(n=n_rows, random_state=seed).reset_index(drop=True)
    return frame
