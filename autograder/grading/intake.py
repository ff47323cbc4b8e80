"""Intake: read a submission and compare it with the release before nbgrader sees it.

A broken submission gets a clear reason (invalid JSON, an empty file, not a notebook)
instead of a stack trace, and what nbgrader will repair (deleted, edited, re-tagged or
reordered graded cells, another kernel) becomes a note for the instructor.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat

from autograder.notebooks import cell_settings, graded_cells
from autograder.paths import Course


def read_submission(path: Path):
    """``(notebook, None)`` for a readable notebook, else ``(None, reason)`` in plain words."""
    if not path.exists():
        return None, f"no notebook at {path}"
    raw = path.read_bytes()
    if not raw.strip():
        return None, "the submitted file is empty (0 bytes of notebook)"
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "the submitted file is not text (is it a notebook at all?)"
    except json.JSONDecodeError as error:
        return None, f"the notebook is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
    if not isinstance(data, dict) or "cells" not in data:
        return None, "the file is JSON but not a Jupyter notebook (no 'cells')"
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # nbformat raises several types for malformed notebooks
        return None, f"the notebook does not follow the notebook format ({str(error).splitlines()[0]})"
    return nb, None


def restore_settings(nb, release) -> bool:
    """Give every graded cell of ``nb`` the nbgrader settings it has in the release.

    nbgrader refuses a notebook whose test cell lost its ``grade`` flag ("inconsistent
    checksums"); the settings are the course's, not the student's. Returns whether any changed.
    """
    changed = False
    expected = graded_cells(release)
    for grade_id, cell in graded_cells(nb).items():
        if grade_id in expected and cell_settings(cell) != cell_settings(expected[grade_id]):
            cell.metadata["nbgrader"] = copy.deepcopy(expected[grade_id].metadata["nbgrader"])
            changed = True
    return changed


def compare_with_release(nb, release) -> list[str]:
    """Differences from the release that nbgrader will repair, as notes for the instructor."""
    notes = []
    got, expected = graded_cells(nb), graded_cells(release)
    missing = [grade_id for grade_id in expected if grade_id not in got]
    if missing:
        notes.append(f"graded cell(s) deleted and restored from the release: {', '.join(missing)}")
    edited = [grade_id for grade_id, cell in expected.items()
              if cell.metadata["nbgrader"].get("locked") and grade_id in got and got[grade_id].source != cell.source]
    if edited:
        notes.append(f"locked test cell(s) edited; the original tests were run: {', '.join(edited)}")
    order = [grade_id for grade_id in got if grade_id in expected]
    if order != [grade_id for grade_id in expected if grade_id in got]:
        notes.append("graded cells were reordered; they ran in the submitted order")
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    changed = [grade_id for grade_id, cell in expected.items()
               if grade_id in got and cell_settings(got[grade_id]) != cell_settings(cell)]
    if changed:
        notes.append(f"nbgrader settings (points, grade, locked) of cell(s) changed and restored from the release: "
                     f"{', '.join(changed)}")
    if kernel != release.metadata.get("kernelspec", {}).get("name"):
        notes.append(f"kernel {kernel!r} replaced by the course kernel 'python3'")
    return notes


def release_notebook(course_dir: Path, lab: str):
    """The release of ``lab`` in the course directory (FileNotFoundError saying what to run)."""
    path = Course(course_dir).release(lab)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `python -m autograder release {lab}` first")
    return nbformat.read(path, as_version=4)
