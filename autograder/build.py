"""Build the student releases from the instructor sources.

    solutions/NN_slug.py                      jupytext text file, the single source of truth
      -> <course>/source/NN_slug/NN_slug.ipynb  the same cells with nbgrader metadata
      -> nbgrader generate_assignment           strips solutions and hidden tests, locks tests
      -> labs/NN_slug.ipynb + labs/NN_slug.py   outputs cleared, stable cell ids, paired

A source marks its graded cells with short jupytext cell options instead of raw nbgrader
metadata:

    # %% exercise="name"             the student's code: ### BEGIN/END SOLUTION regions
    # %% tests="name" points=2       autograded checks for exercise "name", with optional
                                     ### BEGIN/END HIDDEN TESTS regions
    # %% [markdown] answer="name" points=1
                                     a written answer graded by hand
"""
from __future__ import annotations

import ast
import copy
import json
import shutil
from pathlib import Path

import jupytext
import nbformat

from autograder import nbgrader_run
from autograder.paths import LABS, SOLUTIONS, Course, init_course_dir

MARKERS = ("exercise", "tests", "answer", "points")
PAIRING = {"formats": "ipynb,py:percent"}
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class SourceError(ValueError):
    """A lab source breaks the authoring conventions; the message says where and how."""


def _nbgrader_metadata(kind: str, grade_id: str, points: int | None) -> dict:
    meta = {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3,
            "solution": False, "task": False}
    if kind == "exercise":
        meta["solution"] = True
    elif kind == "tests":
        meta.update(grade=True, locked=True, points=points)
    elif kind == "answer":
        meta.update(grade=True, solution=True, points=points)
    return meta


def source_notebook(lab: str, solutions_dir: Path = SOLUTIONS):
    """The instructor notebook of ``lab``: the text source with markers turned into nbgrader metadata."""
    path = solutions_dir / f"{lab}.py"
    if not path.exists():
        raise FileNotFoundError(f"no source for lab {lab!r}: expected {path}")
    nb = jupytext.read(path)
    exercises: set[str] = set()
    grade_ids: set[str] = set()
    for index, cell in enumerate(nb.cells, start=1):
        where = f"{path.name}, cell {index}"
        marks = {key: cell.metadata.pop(key) for key in MARKERS if key in cell.metadata}
        kinds = [key for key in ("exercise", "tests", "answer") if key in marks]
        if not kinds:
            if "points" in marks:
                raise SourceError(f"{where}: points= needs exercise=, tests= or answer= beside it")
            if "BEGIN SOLUTION" in cell.source or "BEGIN HIDDEN TESTS" in cell.source:
                raise SourceError(f"{where}: solution or hidden-test markers in an unmarked cell would "
                                  "reach students; mark the cell exercise=\"name\" or tests=\"name\"")
            continue
        if len(kinds) > 1:
            raise SourceError(f"{where}: a cell takes one of exercise=, tests=, answer=; got {kinds}")
        kind, name = kinds[0], marks[kinds[0]]
        if not isinstance(name, str) or not name.isidentifier():
            raise SourceError(f"{where}: {kind}= needs a name made of letters, digits and _, got {name!r}")
        points = marks.get("points")
        if kind in ("tests", "answer") and (not isinstance(points, int) or points <= 0):
            raise SourceError(f"{where}: {kind}={name!r} needs points=N with N a positive integer, got {points!r}")
        if kind == "exercise" and points is not None:
            raise SourceError(f"{where}: points belong on the tests cell, not on exercise={name!r}")
        if kind in ("exercise", "answer") and "BEGIN SOLUTION" not in cell.source and kind == "exercise":
            raise SourceError(f"{where}: exercise={name!r} has no ### BEGIN SOLUTION region")
        if kind == "answer" and any(line.lstrip().startswith("#") for line in cell.source.splitlines()):
            raise SourceError(f"{where}: answer={name!r} holds a heading; the release replaces a written-answer "
                              "cell whole, so narrative there never reaches students: give it a cell of its own")
        if kind == "tests":
            if name not in exercises:
                raise SourceError(f"{where}: tests={name!r} comes before (or without) exercise={name!r}")
            if "BEGIN SOLUTION" in cell.source:
                raise SourceError(f"{where}: tests={name!r} holds a solution region; tests cells are locked")
            exercises.discard(name)
            grade_id = f"{name}_tests"
        else:
            if kind == "exercise":
                exercises.add(name)
            grade_id = name
        if grade_id in grade_ids:
            raise SourceError(f"{where}: the name {name!r} is used twice")
        grade_ids.add(grade_id)
        cell.metadata["nbgrader"] = _nbgrader_metadata(kind, grade_id, points)
    if exercises:
        raise SourceError(f"{path.name}: exercise(s) {sorted(exercises)} have no tests= cell")
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata.pop("jupytext", None)
    check_python(nb, path.name)
    return nb


def write_source(lab: str, course_dir: Path, solutions_dir: Path = SOLUTIONS) -> Path:
    """Write the instructor notebook into nbgrader's source folder (it holds no text file)."""
    target = Course(init_course_dir(course_dir)).source(lab)
    if target.parent.exists():
        shutil.rmtree(target.parent)
    target.parent.mkdir(parents=True)
    nbformat.write(source_notebook(lab, solutions_dir), target)
    return target


def check_python(nb, label: str) -> None:
    """Raise SourceError naming the first code cell of ``nb`` that is not valid Python.

    Catches, among others, a solution region whose replacement stub leaves the release
    unparsable (a ``### BEGIN SOLUTION`` inside a dict or a call's arguments).
    """
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        try:
            ast.parse(cell.source)
        except SyntaxError as error:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "-")
            raise SourceError(f"{label}, cell {index} (grade_id {grade_id}) is not valid Python: "
                              f"{error.msg} at line {error.lineno}: {error.text!r}. Put solution "
                              "regions around whole statements.") from None


def student_notebook(release_path: Path):
    """The release notebook normalised for committing: no outputs, stable ids, paired."""
    nb = nbformat.read(release_path, as_version=4)
    check_python(nb, f"student release {Path(release_path).name}")
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:03d}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "jupytext": copy.deepcopy(PAIRING),
                   "language_info": {"name": "python"}}
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def write_student_copy(nb, lab: str, out_dir: Path) -> tuple[Path, Path]:
    """Write ``labs/<lab>.ipynb`` and its paired ``labs/<lab>.py``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ipynb, py = out_dir / f"{lab}.ipynb", out_dir / f"{lab}.py"
    nbformat.validate(nb)
    ipynb.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    jupytext.write(nb, py, fmt="py:percent")
    return ipynb, py


def build_lab(lab: str, course_dir: Path, out_dir: Path = LABS, solutions_dir: Path = SOLUTIONS):
    """Run the whole chain for one lab; returns the paths of the student copy."""
    write_source(lab, course_dir, solutions_dir)
    nbgrader_run.run(course_dir, "generate_assignment", lab, "--force")
    return write_student_copy(student_notebook(Course(course_dir).release(lab)), lab, out_dir)
