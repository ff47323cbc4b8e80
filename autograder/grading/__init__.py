"""Grading: one class's submissions in, one outcome per student out.

Owns the pipeline of ``autograde``: collecting an LMS archive (:mod:`.collect`), reading each
submission against the release (:mod:`.intake`), the nbgrader worker processes
(:mod:`.worker`), the sandboxed kernel that runs student code (:mod:`.kernel`,
:mod:`.bubblewrap`, :mod:`.scratch`), the output preprocessors (:mod:`.cap_output`,
:mod:`.fair_output`), what went wrong in plain words (:mod:`.diagnosis`) and the class-level
driver (:mod:`.run`).

May import: :mod:`autograder.integrity` and the plumbing at the top of :mod:`autograder`.
Never semester/ or tools/.
"""


def __getattr__(name: str):
    """Names of the old ``autograder.grading`` module (``autograder.grading.grade_class`` in an
    old nbgrader_config.py) resolve to :mod:`.run`, which holds them now."""
    import importlib

    try:
        return getattr(importlib.import_module(f"{__name__}.run"), name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
