"""Unit tests of the grader's guards: tampering finder, output cap, feedback tracebacks."""
from __future__ import annotations

import nbformat
import pytest

from autograder.build import source_notebook
from autograder.grading.cap_output import CapOutputSize
from autograder.grading.worker import Worker
from autograder.integrity.hide_tracebacks import HideTestTracebacks
from autograder.integrity.tampering import tampering
from autograder.notebooks import graded_cells
from autograder.paths import LABS, lab_names
from autograder.tools.synthetic import exercises, solved


def notebook(*sources: str, test: str | None = None):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    if test is not None:
        cell = nbformat.v4.new_code_cell(test)
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t", "points": 1, "locked": True}
        nb.cells.append(cell)
    return nb


@pytest.mark.parametrize("code, words", [
    ("check = lambda *a, **k: None", "replaces `check`"),
    ("def check_that(*a, **k):\n    pass", "defines its own `check_that`"),
    ("from mymod import check", "binds `check`"),
    ("import numpy as np\nnp.allclose = lambda *a, **k: True", "np.allclose"),
    ("import builtins\nbuiltins.abs = lambda x: 0", "builtins.abs"),
    ("__builtins__.len = None", "inside the builtins module"),
    ("import course\ncourse.check = print", "course.check"),
    ("import sys\nsys.modules['course'] = None", "sys.modules"),
    ("setattr(object, 'x', 1)", "setattr"),
    ("exec('check = print')", "exec"),
])
def test_tampering_is_named_with_its_line(code, words):
    [finding] = tampering(notebook("x = 1", code))[:1]
    assert words in finding and finding.startswith("cell 2 line")


@pytest.mark.parametrize("code", [
    "from course import check, check_that",
    "import numpy as np\nx = np.zeros(3)\nx[0] = 1",
    "import matplotlib.pyplot as plt\nplt.rcParams['figure.dpi'] = 80",
    "result = {'check': 1}\nresult['check'] = 2",
    "import os\nos.environ['X'] = '1'",
    "for check_value in range(3):\n    pass",
])
def test_ordinary_code_is_not_tampering(code):
    assert tampering(notebook(code)) == []


def test_test_cells_are_not_scanned():
    assert tampering(notebook("x = 1", test="check = None")) == []


@pytest.mark.parametrize("lab", lab_names())
def test_no_reference_solution_looks_like_tampering(lab):
    assert tampering(source_notebook(lab)) == []


def test_outputs_are_cut_to_size():
    nb = notebook("print('x')")
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 100_000),
                           nbformat.v4.new_output("display_data", data={"image/png": "A" * 3_000_000})]
    nb, _ = CapOutputSize(max_chars=1000).preprocess(nb, {})
    stream, image = nb.cells[0].outputs
    assert len(stream.text) < 1200 and "99,000 more characters" in stream.text
    assert "image/png" not in image.data and "removed by the grader" in image.data["text/plain"]


def test_feedback_tracebacks_that_quote_tests_keep_only_the_error():
    nb = notebook("def f():\n    raise ValueError('bad')", "f()", test="f()  # hidden detail")
    nb.cells[2].execution_count = 7
    frames = ["\x1b[0;31mValueError\x1b[0m Traceback", "Cell \x1b[0;32mIn[7], line 1\x1b[0m", "hidden detail",
              "ValueError: bad"]
    error = nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=frames)
    nb.cells[1].execution_count = 6
    nb.cells[1].outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="bad",
                                                  traceback=["Cell In[6], line 1", "f()", "ValueError: bad"])]
    nb.cells[2].outputs = [error]
    nb, _ = HideTestTracebacks().preprocess(nb, {})
    assert nb.cells[2].outputs[0].traceback[0] == "ValueError: bad"
    assert "hidden detail" not in "".join(nb.cells[2].outputs[0].traceback)
    assert nb.cells[1].outputs[0].traceback[1] == "f()"  # the student's own traceback stays whole


def test_synthetic_half_solution_fills_only_the_chosen_exercises():
    lab = "01_tensorflow_foundations"
    source, release = source_notebook(lab), nbformat.read(LABS / f"{lab}.ipynb", as_version=4)
    first, *others = exercises(source)
    half = graded_cells(solved(release, source, {first}))
    answers = graded_cells(source)
    assert half[first].source == answers[first].source
    assert all("raise NotImplementedError()" in half[other].source for other in others)
    assert len(others) >= 4


def test_a_grading_worker_past_its_time_limit_is_replaced(tmp_path):
    task = dict(course_dir=str(tmp_path), lab="01_x", student="s", overrides={}, env={}, log_path=str(tmp_path / "log"))
    worker = Worker()
    try:
        code, log = worker.grade(0.01, **task)  # still importing nbgrader: too late
        assert code is None and "killed after" in log
        code, log = worker.grade(120, **task)  # the fresh worker answers; no course here
        assert code == 1 and "nbgrader_config.py" in log
    finally:
        worker.close()
    assert not worker.process.is_alive()
