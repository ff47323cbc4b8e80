"""Shared fixtures: every lab is built and graded once per test session, in a scratch course."""
from __future__ import annotations

import os

import pytest

import nbformat

from autograder import grading, selfcheck
from autograder.build import build_lab, init_course_dir, source_notebook
from autograder.paths import lab_names

LABS = lab_names()
CLASS_LAB = "01_tensorflow_foundations"  # the lab the sample classes submit
CELL_TIMEOUT = 20  # seconds per cell when grading a sample class; the slowest lab 01 cell takes about 3
os.environ.pop("AUTOGRADER_DB_URL", None)  # a developer's own gradebook URL must not reach the tests


def lab_params():
    """One parameter per lab, grouped so pytest-xdist runs a lab's tests on one worker."""
    return [pytest.param(lab, id=lab, marks=pytest.mark.xdist_group(lab)) for lab in LABS]


class GradedLab:
    """A lab built from solutions/ into a scratch course, with its reference graded twice and its blank once."""

    AGAIN = "reference-again"

    def __init__(self, lab: str, course_dir):
        self.lab, self.course_dir = lab, course_dir
        selfcheck.prepare(lab, course_dir)
        selfcheck.submit(course_dir, lab, self.AGAIN, course_dir / "source" / lab / f"{lab}.ipynb")
        students = [selfcheck.REFERENCE, selfcheck.BLANK, self.AGAIN]
        self.outcomes = {o.student: o for o in grading.autograde(lab, course_dir, students)}
        self.scores = {s: selfcheck.cell_scores(course_dir, lab, s) for s in students}

    def auto(self, student: str):
        return {k: v for k, v in self.scores[student].items() if v.auto}


_graded: dict[str, GradedLab] = {}


@pytest.fixture
def graded(request, tmp_path_factory) -> GradedLab:
    lab = request.node.callspec.params["lab"]
    if lab not in _graded:
        _graded[lab] = GradedLab(lab, tmp_path_factory.mktemp(f"course-{lab}"))
    return _graded[lab]


def released_course(folder):
    """A scratch course with the class lab released and a short per-cell time limit.

    Returns ``(course_dir, release, source)``: the student release and the instructor notebook.
    """
    course = init_course_dir(folder)
    with (course / "nbgrader_config.py").open("a") as handle:
        handle.write(f"\nc.Execute.timeout = {CELL_TIMEOUT}\n")
    build_lab(CLASS_LAB, course, course / "labs")
    release = nbformat.read(course / "release" / CLASS_LAB / f"{CLASS_LAB}.ipynb", as_version=4)
    return course, release, source_notebook(CLASS_LAB)
