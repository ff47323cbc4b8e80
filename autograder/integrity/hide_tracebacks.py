"""Feedback preprocessor: error tracebacks that would quote test code shrink to their last line.

nbgrader's ClearHiddenTests removes the hidden tests from a test cell's source, but a failing
test's traceback quotes the lines around the failure, hidden ones included (IPython prints
"Cell In[11], line 4" and the code). In the feedback a student gets, any traceback with a
frame in a test cell is replaced by its last line: the exception and its message, which is
where ``course.check`` puts the expected value, the value it got and the hint.
"""
from __future__ import annotations

import re

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.notebooks import strip_ansi

FRAME = re.compile(r"Cell In\s*\[(\d+)\]")


def quotes_a_test_cell(traceback: list[str], test_cells: set[int]) -> bool:
    return any(int(n) in test_cells for line in traceback for n in FRAME.findall(strip_ansi(line)))


class HideTestTracebacks(NbGraderPreprocessor):
    """Shortens tracebacks that pass through a test cell (see the module docstring)."""

    def preprocess(self, nb, resources):
        self.test_cells = {cell.get("execution_count") for cell in nb.cells
                           if cell.cell_type == "code" and utils.is_grade(cell)} - {None}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if utils.is_grade(cell) or quotes_a_test_cell(output.get("traceback", []), self.test_cells):
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}",
                                       "(the rest of this traceback is hidden: it quotes the tests)"]
        return cell, resources
