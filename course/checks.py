"""Feedback for students: `check` compares a value with what an exercise expects.

A visible test cell calls ``check(what, got, expected, hint=...)``. When the values agree it
prints one line starting with "OK"; when they do not it raises :class:`CheckFailed` whose
message names the quantity, the expected value, the value the student produced and a hint.
nbgrader counts any exception in a test cell as a failed test, so the message is what the
student sees in the notebook and in the feedback report.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np


class CheckFailed(AssertionError):
    """A student-facing check did not pass; the message explains why."""


def _describe(value) -> str:
    """A short, readable rendering of a value for a feedback message."""
    if value is None:
        return "None (did the function forget to `return` its result?)"
    if isinstance(value, (list, tuple)) and len(repr(value)) <= 200:
        return repr(value)
    array = _as_array(value)
    if array is not None and array.ndim > 0:
        body = np.array2string(array, precision=4, threshold=12, edgeitems=3)
        return f"array of shape {array.shape}, dtype {array.dtype}: {body}"
    if array is not None:
        return repr(array.item())
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _as_array(value):
    """`value` as a NumPy array when it is numeric data (tensors included), else None."""
    if isinstance(value, (str, bytes, Mapping)):
        return None
    if hasattr(value, "numpy") and callable(value.numpy):  # TensorFlow / PyTorch tensors
        try:
            value = value.detach().numpy() if hasattr(value, "detach") else value.numpy()
        except Exception:  # graph tensors or other objects without a value
            return None
    try:
        array = np.asarray(value)
    except Exception:
        return None
    if array.dtype.kind in "biufc":
        return array
    return None


def _fail(what: str, expected, got, hint: str, detail: str = "") -> None:
    lines = [f"{what}: expected {_describe(expected)}, but got {_describe(got)}."]
    if detail:
        lines.append(detail)
    if hint:
        lines.append(f"Hint: {hint}")
    raise CheckFailed("\n".join(lines))


def check(what: str, got, expected, *, hint: str = "", rtol: float = 1e-6, atol: float = 1e-8):
    """Check that ``got`` equals ``expected``; numbers and arrays compare with a tolerance.

    Parameters
    ----------
    what : str
        What the value is, in the student's terms ("the counter after 3 updates").
    got, expected :
        The student's value and the reference value. Numbers, NumPy arrays, TensorFlow and
        PyTorch tensors compare numerically (shape first, then values within ``rtol`` and
        ``atol``); dicts key by key and lists item by item (each value as above, the message
        naming the key or index); strings, booleans and other objects compare with ``==``.
    hint : str
        One sentence that points the student to the fix.
    """
    if not isinstance(what, str) or not what:
        raise TypeError(f"check() needs a non-empty description as its first argument, got {what!r}")
    _compare(what, got, expected, hint, rtol, atol)
    print(f"OK {what}")


def _compare(what: str, got, expected, hint: str, rtol: float, atol: float) -> None:
    """Raise CheckFailed unless ``got`` matches ``expected``; dicts and lists item by item."""
    expected_array = _as_array(expected)
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            _fail(what, expected, got, hint, f"A dict was expected, not {type(got).__name__}.")
        missing = [key for key in expected if key not in got]
        extra = [key for key in got if key not in expected]
        if missing or extra:
            parts = ([f"missing key(s) {', '.join(map(repr, missing))}"] if missing else []) + \
                    ([f"unexpected key(s) {', '.join(map(repr, extra))}"] if extra else [])
            _fail(what, expected, got, hint, "The keys differ: " + "; ".join(parts) + ".")
        for key in expected:
            _compare(f"{what}[{key!r}]", got[key], expected[key], hint, rtol, atol)
    elif expected_array is not None and not isinstance(expected, (bool, np.bool_)):
        got_array = _as_array(got)
        if got_array is None:
            _fail(what, expected, got, hint, f"A number or array was expected, not {type(got).__name__}.")
        if got_array.shape != expected_array.shape:
            _fail(what, expected, got, hint,
                  f"The shapes differ: expected {expected_array.shape}, got {got_array.shape}.")
        if not np.allclose(got_array, expected_array, rtol=rtol, atol=atol, equal_nan=True):
            worst = np.max(np.abs(got_array.astype(float) - expected_array.astype(float)))
            _fail(what, expected, got, hint,
                  f"The largest difference is {worst:.3g} (allowed: rtol={rtol:g}, atol={atol:g}).")
    elif isinstance(expected, (bool, np.bool_)):
        if not isinstance(got, (bool, np.bool_)) or bool(got) != bool(expected):
            _fail(what, expected, got, hint)
    elif isinstance(expected, (list, tuple)) and any(_as_array(item) is not None or isinstance(item, (Mapping, list,
                                                                                                    tuple))
                                                     for item in expected):
        # a list of arrays of different shapes, or of dicts: compare item by item
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            length = f" of length {len(got)}" if isinstance(got, (list, tuple)) else ""
            _fail(what, expected, got, hint,
                  f"A {type(expected).__name__} of length {len(expected)} was expected, not a "
                  f"{type(got).__name__}{length}.")
        for index, (got_item, expected_item) in enumerate(zip(got, expected)):
            _compare(f"{what}[{index}]", got_item, expected_item, hint, rtol, atol)
    elif not _equal(got, expected):
        _fail(what, expected, got, hint)


def _equal(got, expected) -> bool:
    """``got == expected`` as one bool, False when the comparison itself fails (an array vs a string)."""
    try:
        return bool(got == expected)
    except Exception:
        return False


def check_that(what: str, condition: bool, *, got=None, hint: str = ""):
    """Check a property that has no single expected value (a bound, a type, an ordering).

    ``what`` states the property as it should hold ("the loss decreased during training");
    ``got`` is shown to the student when it does not.
    """
    if not isinstance(what, str) or not what:
        raise TypeError(f"check_that() needs a non-empty description as its first argument, got {what!r}")
    if not condition:
        lines = [f"Expected {what}, but it does not hold."]
        if got is not None:
            lines.append(f"Got: {_describe(got)}")
        if hint:
            lines.append(f"Hint: {hint}")
        raise CheckFailed("\n".join(lines))
    print(f"OK {what}")
