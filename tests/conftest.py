"""Shared fixtures: every lab is built and graded once per test session, in a scratch course."""
from __future__ import annotations

import os

import pytest

from autograder import grading, selfcheck
from autograder.paths import lab_names

LABS = lab_names()
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
