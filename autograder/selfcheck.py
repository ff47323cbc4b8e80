"""Grade a lab's own reference solution and blank release: what every lab must pass.

Used by lab authors (``python -m autograder selfcheck LAB``) and by the contract tests.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook

from autograder import grading
from autograder.build import build_lab

REFERENCE, BLANK = "reference", "blank"


@dataclass
class CellScore:
    grade_id: str
    score: float
    max_score: float
    auto: bool


def submit(course_dir: Path, lab: str, student: str, notebook: Path) -> Path:
    """Place ``notebook`` as ``student``'s submission of ``lab``."""
    target = grading.submission_path(course_dir, lab, student)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(notebook, target)
    return target


def cell_scores(course_dir: Path, lab: str, student: str) -> dict[str, CellScore]:
    """Score of every graded cell of a student's autograded ``lab`` (sqlite gradebook)."""
    with Gradebook(f"sqlite:///{Path(course_dir).resolve() / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(lab, lab, student)
        # code cells are graded by their tests; markdown answers by the instructor
        return {grade.name: CellScore(grade.name, float(grade.score), float(grade.max_score),
                                      grade.cell.cell_type == "code")
                for grade in notebook.grades}


def prepare(lab: str, course_dir: Path, labs_dir: Path | None = None) -> Path:
    """Build ``lab`` into ``course_dir`` and submit its reference and its blank release."""
    course_dir = Path(course_dir)
    build_lab(lab, course_dir, labs_dir or course_dir / "labs")
    submit(course_dir, lab, REFERENCE, course_dir / "source" / lab / f"{lab}.ipynb")
    submit(course_dir, lab, BLANK, course_dir / "release" / lab / f"{lab}.ipynb")
    return course_dir


def run(lab: str, course_dir: Path, isolate: bool = True):
    """Grade reference and blank; returns ``{student: (Outcome, {grade_id: CellScore})}``."""
    prepare(lab, course_dir)
    outcomes = grading.autograde(lab, course_dir, [REFERENCE, BLANK], isolate=isolate)
    return {o.student: (o, cell_scores(course_dir, lab, o.student)) for o in outcomes}
