"""Submissions made from a lab's release and reference: complete, blank, or partly solved.

The tests and the grading benchmark use them to stand in for a class of students.
"""
from __future__ import annotations

import copy
import itertools
from pathlib import Path

import nbformat

from autograder.build import source_notebook
from autograder.grading.intake import release_notebook
from autograder.notebooks import graded_cells
from autograder.paths import Course


def solved(release, source, exercises: set[str] | None = None):
    """The release with the reference's code in ``exercises`` (every exercise when None)."""
    nb = copy.deepcopy(release)
    answers = {k: c for k, c in graded_cells(source).items() if c.metadata["nbgrader"].get("solution")}
    for grade_id, cell in graded_cells(nb).items():
        if grade_id in answers and (exercises is None or grade_id in exercises):
            cell.source = answers[grade_id].source
    return nb


def exercises(source) -> list[str]:
    """grade_ids of the cells a student writes, in notebook order."""
    return [k for k, c in graded_cells(source).items() if c.metadata["nbgrader"].get("solution")]


def submit_class(lab: str, course_dir: Path, size: int) -> dict[str, str]:
    """Submit ``size`` students into ``course_dir``, cycling complete / blank / half solved.

    Returns ``{student: kind}``. The lab must already be released in ``course_dir``.
    """
    release, source = release_notebook(course_dir, lab), source_notebook(lab)
    half = set(exercises(source)[::2])
    kinds = {"complete": solved(release, source), "blank": release, "half": solved(release, source, half)}
    students = {}
    for index, kind in zip(range(size), itertools.cycle(kinds)):
        student = f"student{index + 1:03d}"
        path = Course(course_dir).submitted(student, lab)
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(kinds[kind], path)
        students[student] = kind
    return students
