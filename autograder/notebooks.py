"""Small facts about notebooks that several steps need: graded cells, cell labels, ANSI codes."""
from __future__ import annotations

import re

import nbformat

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # colour and cursor codes in tracebacks


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def graded_cells(nb) -> dict[str, nbformat.NotebookNode]:
    """The cells of ``nb`` that nbgrader tracks, by grade_id."""
    return {nbgrader_meta(cell)["grade_id"]: cell for cell in nb.cells if nbgrader_meta(cell).get("grade_id")}


def cell_label(cell, index: int) -> str:
    """How messages name a cell: its grade_id, else ``cell N`` (1-based)."""
    return nbgrader_meta(cell).get("grade_id") or f"cell {index}"


def is_test_cell(cell) -> bool:
    """A locked tests cell (graded, not written by the student)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def cell_settings(cell) -> dict:
    """What nbgrader grades a cell by: its role, lock and points."""
    meta = nbgrader_meta(cell)
    return {key: meta.get(key) for key in ("grade", "solution", "locked", "points", "task")}


def error_outputs(nb):
    """``(cell label, error output)`` for each error output of ``nb``, in order."""
    for index, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                yield cell_label(cell, index), output
