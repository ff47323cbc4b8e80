"""Instructor and maintainer tools: measure, report and check the course itself.

Owns the class report (:mod:`.report`), lab timings (:mod:`.lab_timing`), the grading
speed-up benchmark (:mod:`.speedup`), synthetic classes (:mod:`.synthetic`) and the self-check
of a lab's reference and blank release (:mod:`.selfcheck`).

May import: :mod:`autograder.semester`, :mod:`autograder.grading`,
:mod:`autograder.integrity` and the plumbing at the top of :mod:`autograder`. Never
:mod:`autograder.cli`.
"""
