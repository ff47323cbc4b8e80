"""The semester: what an instructor does with grades after ``autograde``.

Owns the roster (:mod:`.roster`), the late policy (:mod:`.late_policy`), grade exports and the
LMS files (:mod:`.export`, :mod:`.lms_export`), regrades (:mod:`.regrade`), similarity between
submissions (:mod:`.similarity`), the formgrader (:mod:`.formgrader`) and the CLI commands of
all of these (:mod:`.commands`).

May import: :mod:`autograder.grading`, :mod:`autograder.integrity` and the plumbing at the top
of :mod:`autograder`. Never tools/ or :mod:`autograder.cli`.
"""
