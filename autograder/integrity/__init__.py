"""Integrity: whether a submission's kernel ran the tests honestly.

Owns the three layers that decide ``tampered``: the static finder (:mod:`.tampering`), the
cells planted among the tests, canaries and probes (:mod:`.planted`, :mod:`.canaries`), and
the grading kernel's audit hook and its record (:mod:`.kernel_guard`, :mod:`.audit_record`);
and what a tampered or hidden-test-quoting submission's feedback may show
(:mod:`.feedback_guard`, :mod:`.hide_tracebacks`).

May import: the plumbing at the top of :mod:`autograder` (notebooks, paths, settings), the
standard library, nbformat and nbgrader. Never grading/, semester/ or tools/.
:mod:`.kernel_guard` runs inside the sandboxed kernel as a script: standard library only.
"""


def __getattr__(name: str):
    """Names of the old ``autograder.integrity`` module (``autograder.integrity.PlantCanaries`` in an
    old nbgrader_config.py) resolve to :mod:`.planted`, which holds them now."""
    import importlib

    try:
        return getattr(importlib.import_module(f"{__name__}.planted"), name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
