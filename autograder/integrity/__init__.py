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


from autograder import names_moved_to

__getattr__ = names_moved_to(__name__, "planted")  # the old module autograder.integrity's names
