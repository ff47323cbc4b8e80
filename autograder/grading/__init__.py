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


from autograder import names_moved_to

__getattr__ = names_moved_to(__name__, "run")  # the old module autograder.grading's names
