"""Grade a lab's own reference solution and blank release: what every lab must pass.

Used by lab authors (``python -m autograder selfcheck LAB``) and by the contract tests.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from autograder.build import build_lab
from autograder.gradebook import open_gradebook
from autograder.grading.run import grade_class
from autograder.paths import Course

REFERENCE, BLANK = "reference", "blank"


@dataclass
class CellScore:
    grade_id: str
    score: float
    max_score: float
    auto: bool


def submit(course_dir: Path, lab: str, student: str, notebook: Path) -> Path:
    """Place ``notebook`` as ``student``'s submission of ``lab``."""
    target = Course(course_dir).submitted(student, lab)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(notebook, target)
    return target


def cell_scores(course_dir: Path, lab: str, student: str) -> dict[str, CellScore]:
    """Score of every graded cell of a student's autograded ``lab``, from the gradebook."""
    with open_gradebook(course_dir) as gb:
        notebook = gb.find_submission_notebook(lab, lab, student)
        # code cells are graded by their tests; markdown answers by the instructor
        return {grade.name: CellScore(grade.name, float(grade.score), float(grade.max_score),
                                      grade.cell.cell_type == "code")
                for grade in notebook.grades}


def prepare(lab: str, course_dir: Path, labs_dir: Path | None = None) -> Path:
    """Build ``lab`` into ``course_dir`` and submit its reference and its blank release."""
    course = Course(course_dir)
    build_lab(lab, course.root, labs_dir or course.labs())
    submit(course.root, lab, REFERENCE, course.source(lab))
    submit(course.root, lab, BLANK, course.release(lab))
    return course.root


def run(lab: str, course_dir: Path, isolate: bool = True):
    """Grade reference and blank; returns ``{student: (Outcome, {grade_id: CellScore})}``."""
    prepare(lab, course_dir)
    outcomes = grade_class(lab, course_dir, [REFERENCE, BLANK], isolate=isolate)
    return {o.student: (o, cell_scores(course_dir, lab, o.student)) for o in outcomes}
