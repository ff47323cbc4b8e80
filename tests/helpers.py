"""Helpers the tests share (imported as ``from helpers import ...``; conftest holds fixtures only)."""
from __future__ import annotations

import nbformat
import pytest

from autograder.build import build_lab, source_notebook
from autograder.grading.run import grade_class
from autograder.paths import Course, init_course_dir, lab_names
from autograder.tools import selfcheck

LABS = lab_names()
CLASS_LAB = "01_tensorflow_foundations"  # the lab the sample classes submit
CELL_TIMEOUT = 40  # seconds per cell when grading a sample class; the slowest lab 01 cell takes about 3
# on an idle machine, and ten times as long when several kernels share two busy cores


def graded_points(lab: str) -> tuple[dict[str, int], dict[str, int]]:
    """``(tests, written)``: the points of each autograded exercise and of each written answer of ``lab``."""
    tests, written = {}, {}
    for cell in source_notebook(lab).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):  # a tests cell, or a written answer (graded by hand: solution and grade)
            (written if meta.get("solution") else tests)[meta["grade_id"].removesuffix("_tests")] = meta["points"]
    return tests, written


def autograded_points(lab: str = CLASS_LAB, exercises: set[str] | None = None) -> int:
    """The autograded points of ``lab`` (of only ``exercises`` when given), read from its source.

    Tests that grade a sample class compare against this, never a literal total, so a lab can
    gain or lose an exercise without the grading tests being rewritten.
    """
    points, _ = graded_points(lab)
    unknown = set(exercises or ()) - set(points)
    if unknown:
        raise ValueError(f"{lab} has no autograded exercise {sorted(unknown)}; it has {sorted(points)}")
    return sum(n for name, n in points.items() if exercises is None or name in exercises)


FULL = autograded_points()  # every autograded point of the class lab


def lab_params():
    """One parameter per lab, grouped so pytest-xdist runs a lab's tests on one worker."""
    return [pytest.param(lab, id=lab, marks=pytest.mark.xdist_group(lab)) for lab in LABS]


class GradedLab:
    """A lab built from solutions/ into a scratch course, with its reference graded twice and its blank once."""

    AGAIN = "reference-again"

    def __init__(self, lab: str, course_dir):
        self.lab, self.course_dir = lab, course_dir
        self.course = Course(course_dir)
        selfcheck.prepare(lab, course_dir)
        selfcheck.submit(course_dir, lab, self.AGAIN, self.course.source(lab))
        students = [selfcheck.REFERENCE, selfcheck.BLANK, self.AGAIN]
        self.outcomes = {o.student: o for o in grade_class(lab, course_dir, students)}
        self.scores = {s: selfcheck.cell_scores(course_dir, lab, s) for s in students}

    def auto(self, student: str):
        return {k: v for k, v in self.scores[student].items() if v.auto}

    def executed_reference(self):
        """The reference notebook as nbgrader executed it (outputs included)."""
        return nbformat.read(self.course.autograded(selfcheck.REFERENCE, self.lab), as_version=4)


def short_cell_timeout(course_dir) -> None:
    """Give a scratch course a short per-cell time limit (its own nbgrader_config.py)."""
    with Course(course_dir).config.open("a") as handle:
        handle.write(f"\nc.Execute.timeout = {CELL_TIMEOUT}\n")


def released_course(folder):
    """A scratch course with the class lab released and a short per-cell time limit.

    Returns ``(course_dir, release, source)``: the student release and the instructor notebook.
    """
    course = init_course_dir(folder)
    short_cell_timeout(course)
    build_lab(CLASS_LAB, course, Course(course).labs())
    release = nbformat.read(Course(course).release(CLASS_LAB), as_version=4)
    return course, release, source_notebook(CLASS_LAB)
