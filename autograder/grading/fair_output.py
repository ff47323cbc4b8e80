"""Autograde preprocessors: what a graded cell writes to stderr never costs points.

nbgrader 0.9.6 scores 0 any graded cell with a stderr stream in its output
(``nbgrader.utils.determine_grade``), whoever wrote it: a student's debug ``print(...,
file=sys.stderr)``, ``logging.warning(...)``, ``warnings.warn(...)``, a library's
ConvergenceWarning or deprecation notice. Only a failing check or an error is a wrong answer.
:class:`SetAsideStderr` runs just before ``SaveAutoGrades`` and sets the stderr outputs of
the test cells aside; :class:`PutBackStderr` runs just after it and puts them back where they
were, so the student still sees the text in the autograded notebook and in the feedback.
"""
from __future__ import annotations

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

KEY = "autograder_stderr"


def is_test_cell(cell) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


class SetAsideStderr(NbGraderPreprocessor):
    """Takes the stderr streams out of the test cells (see the module docstring)."""

    def preprocess(self, nb, resources):
        aside = {}
        for index, cell in enumerate(nb.cells):
            if not is_test_cell(cell):
                continue
            outputs = cell.get("outputs", [])
            kept = [o for o in outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            if len(kept) != len(outputs):
                aside[index] = list(outputs)
                cell.outputs = kept
        resources[KEY] = aside
        return nb, resources


class PutBackStderr(NbGraderPreprocessor):
    """Restores what :class:`SetAsideStderr` took out, in its original place."""

    def preprocess(self, nb, resources):
        for index, outputs in resources.pop(KEY, {}).items():
            nb.cells[index].outputs = outputs
        return nb, resources
