"""Collect submissions from a folder or an LMS zip into nbgrader's ``submitted/`` tree.

Accepted layouts (a zip holds the same):

* ``<student>/<any name>.ipynb``      one folder per student: the folder's name is the id, as
                                      hubs and LMSs spell logins (``ana_souza``, ``j.doe2``,
                                      ``s1234567``): letters, digits, ``_``, ``.``, ``-``, ``@``
* ``<student>.ipynb``                 one file per student (the id holds no ``_``)
* ``<student>_<anything>.ipynb``      LMS downloads (Canvas, Moodle): the id is the part
                                      before the first underscore (ids with ``_`` need the
                                      folder layout)

Nothing is moved or deleted: originals stay where they are, and every notebook is copied to
``submitted/<student>/<lab>/<lab>.ipynb`` under the name nbgrader expects, whatever the
student called it. Each renamed, duplicate or ignored file is reported.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder.paths import Course

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")  # never "." or "..", never a path


@dataclass
class Collected:
    student: str
    original: str
    note: str = ""


def _student_of(relative: Path) -> str:
    if len(relative.parts) >= 2:
        return relative.parts[0]
    return relative.stem.split("_", 1)[0]


def _notebooks(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts and "__MACOSX" not in p.parts)


def collect(lab: str, source: Path, course_dir: Path) -> tuple[list[Collected], list[str]]:
    """Copy every student's notebook for ``lab`` from ``source``; returns (collected, problems)."""
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"nothing to collect: {source} does not exist")
    if source.is_file() and not zipfile.is_zipfile(source):
        raise ValueError(f"{source} is neither a folder nor a zip archive")
    with tempfile.TemporaryDirectory() as tmp:
        root = source
        if source.is_file():
            with zipfile.ZipFile(source) as archive:
                archive.extractall(tmp)
            root = Path(tmp)
        by_student: dict[str, list[Path]] = {}
        problems = []
        for path in _notebooks(root):
            student = _student_of(path.relative_to(root))
            if not STUDENT_ID.match(student):
                problems.append(f"{path.relative_to(root)}: cannot tell the student id from {student!r}; skipped")
                continue
            by_student.setdefault(student, []).append(path)
        collected = []
        for student, paths in sorted(by_student.items()):
            exact = [p for p in paths if p.stem.endswith(lab)]
            chosen = (exact or paths)[0]
            notes = []
            if not chosen.stem.endswith(lab):
                notes.append(f"submitted as {chosen.name!r}, graded as {lab}.ipynb")
            if len(paths) > 1:
                others = ", ".join(p.name for p in paths if p != chosen)
                notes.append(f"{len(paths)} notebooks found, graded {chosen.name!r}, ignored: {others}")
            target = Course(course_dir).submitted(student, lab)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(chosen, target)
            collected.append(Collected(student, str(chosen.relative_to(root)), "; ".join(notes)))
    return collected, problems
