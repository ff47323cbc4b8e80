"""A corpus of hostile and careless lab 01 submissions, graded as a class, in parallel.

Every submission must get a grade and a clear reason, and none may reach the network, the
gradebook, the sources, the hidden tests or another student's work. Submissions that change how
the kernel runs the tests (transformers, exception handlers, event callbacks, trace hooks, code
swaps, alias and getattr patches), print hidden tests, flood the disk or leave processes behind
are in tests/integrity_corpus.py: each gets zero or ``tampered``, none touches the control, and
honest variants of the reference (stderr, logging, warnings, a helper, another algorithm) keep
full marks. (Broken files, renamed notebooks, wrong kernels, deleted and edited cells are in
test_grading_class.py.)
"""
from __future__ import annotations

import copy
import csv
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from integrity_corpus import HIDDEN_LINE, KERNEL_HOOKS, corpus

from autograder.integrity.feedback_guard import hidden_fragments, normal
from autograder.notebooks import graded_cells, nbgrader_meta
from autograder.paths import SOLUTIONS, Course
from autograder.tools.synthetic import solved
from helpers import CLASS_LAB as LAB
from helpers import FULL, autograded_points, released_course

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hostile_submissions")]  # one worker builds the class once

PROBE_OUTSIDE = SOLUTIONS / ".written-by-a-submission"

SNOOP = f'''
import pathlib
leaks = []
for folder in [pathlib.Path.cwd(), *pathlib.Path.cwd().parents]:
    for name in ["gradebook.db", "source/{LAB}/{LAB}.ipynb", "submitted/control/{LAB}/{LAB}.ipynb",
                 "solutions/{LAB}.py", "autograded/control/{LAB}/{LAB}.ipynb"]:
        try:
            leaks.append((folder / name, len((folder / name).read_bytes())))
        except OSError:
            pass
    for name in ["solutions", "source", "submitted"]:
        try:
            if any((folder / name).iterdir()):
                leaks.append((folder / name, "listed"))
        except OSError:
            pass
print("LEAKED" if leaks else "nothing to read", leaks)
'''

WRITE = f'''
import pathlib
for target in [pathlib.Path("{PROBE_OUTSIDE}"), pathlib.Path.cwd().parents[1] / "control" / "x.txt",
               pathlib.Path.cwd().parents[2] / "gradebook.db"]:
    try:
        target.write_text("tampered")
        print("WROTE", target)
    except OSError as error:
        print("refused:", type(error).__name__)
'''

NETWORK = '''
import socket
for host, port in [("1.1.1.1", 80), ("192.0.2.1", 80), ("pypi.org", 443)]:
    try:
        socket.create_connection((host, port), timeout=3).close()
        print("NETWORK OK", host)
    except OSError as error:
        print("no network:", type(error).__name__)
'''

HOSTILE_CELLS = {  # student: code of a cell added after the imports of a complete submission
    "looper": "while True:\n    pass",
    "hog": "hog = []\nwhile True:\n    hog.append(bytearray(2**28))",
    "forker": "import os\nwhile True:\n    os.fork()",
    "quitter": "import os\nos._exit(0)",
    "crasher": "import ctypes\nctypes.string_at(0)",
    "shouter": "print('x' * 50_000_000)",
    "snoop": SNOOP,
    "writer": WRITE,
    "caller": NETWORK,
}

COUNTER = autograded_points(exercises={"counter"})  # the reorderer's counter tests run before it
EXPECTED = {  # student: (lowest score, highest score, statuses allowed, words the message must contain)
    "control": (FULL, FULL, {"graded"}, []),
    "looper": (FULL, FULL, {"graded-with-errors"}, ["time limit"]),
    "hog": (0, FULL, {"graded-with-errors", "failed"}, ["memory"]),
    "forker": (0, FULL, {"graded-with-errors", "failed"}, []),
    "quitter": (0, 0, {"failed"}, ["kernel died"]),
    "crasher": (0, 0, {"failed"}, ["kernel died"]),
    "shouter": (FULL, FULL, {"graded"}, []),
    "snoop": (FULL, FULL, {"graded"}, []),
    "writer": (FULL, FULL, {"graded"}, []),
    "caller": (FULL, FULL, {"graded"}, []),
    "retagger": (FULL, FULL, {"graded"}, ["settings", "counter_tests"]),
    "reorderer": (FULL - COUNTER, FULL - COUNTER, {"graded-with-errors"}, ["reordered"]),
    "patcher": (0, 0, {"tampered"}, ["tampering", "check"]),
    "numpypatcher": (0, 0, {"tampered"}, ["tampering", "numpy"]),
    # kernel hooks (from the blank release: every point they would get is unearned)
    **{name: (0, 0, {"tampered"}, ["tampering"]) for name in KERNEL_HOOKS},
    "module_file": (0, 0, {"tampered"}, ["tampering", "helper_mod"]),  # unreadable to the finder: the probes see it
    # hidden-test leakers (from the reference)
    "test_printer": (0, 0, {"tampered"}, ["tampering"]),
    "history_reader": (0, 0, {"tampered"}, ["tampering", "In"]),
    # resources: bounded, and they cost only their own row
    "file_flood": (0, FULL, {"graded", "graded-with-errors"}, []),
    "disk_filler": (FULL, FULL, {"graded"}, []),
    "orphans": (FULL, FULL, {"graded"}, []),
    # honest variants of the reference: full marks, nothing flagged
    **{name: (FULL, FULL, {"graded"}, []) for name in ("honest_stderr", "honest_logging", "honest_warnings",
                                                   "honest_helper", "honest_algorithm", "honest_module",
                                                   "honest_pickle")},
}
FOLDER_LAYOUT = set(EXPECTED) - set(HOSTILE_CELLS) - {"control", "retagger", "reorderer", "patcher", "numpypatcher"}


def with_cell(nb, code: str):
    nb = copy.deepcopy(nb)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first_code + 1, nbformat.v4.new_code_cell(code))
    return nb


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    PROBE_OUTSIDE.unlink(missing_ok=True)
    course, release, source = released_course(tmp_path_factory.mktemp("course"))
    done = solved(release, source)
    inbox = tmp_path_factory.mktemp("inbox")
    notebooks = {"control": done, **{name: with_cell(done, code) for name, code in HOSTILE_CELLS.items()}}

    retagger = copy.deepcopy(done)
    graded_cells(retagger)["counter_tests"].metadata["nbgrader"]["points"] = 100
    graded_cells(retagger)["gradients_tests"].metadata["nbgrader"]["grade"] = False
    notebooks["retagger"] = retagger
    reorderer = copy.deepcopy(done)
    cells = reorderer.cells
    position = {nbgrader_meta(c).get("grade_id"): i for i, c in enumerate(cells)}
    test = cells.pop(position["counter_tests"])
    cells.insert(position["counter"], test)
    notebooks["reorderer"] = reorderer
    notebooks["patcher"] = with_cell(release, "check = lambda *args, **kwargs: None\ncheck_that = check")
    notebooks["numpypatcher"] = with_cell(release, "import numpy as np\nimport course.checks\n"
                                                    "np.allclose = lambda *args, **kwargs: True\n"
                                                    "course.checks.check = lambda *args, **kwargs: None")
    notebooks.update(corpus(release, done))
    for student, nb in notebooks.items():
        if student in FOLDER_LAYOUT:  # ids with underscores: one folder per student
            (inbox / student).mkdir()
            nbformat.write(nb, inbox / student / "my submission.ipynb")
        else:
            nbformat.write(nb, inbox / f"{student}_{LAB}.ipynb")

    grades = course / "grades.csv"
    result = subprocess.run([sys.executable, "-m", "autograder", "--course-dir", str(course), "grade", LAB,
                             str(inbox), "--to", str(grades), "--jobs", "2", "--timeout", "240", "--memory", "4"],
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
    with grades.open(newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    return {"rows": rows, "course": course, "output": result.stdout}


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_a_grade_and_a_reason(hostile_class, student):
    row = hostile_class["rows"][student]
    low, high, statuses, words = EXPECTED[student]
    assert low <= float(row["score"]) <= high, f"{student}: {row}"
    assert float(row["max_score"]) == FULL, f"{student}: {row}"
    assert row["status"] in statuses, f"{student}: {row}"
    assert row["status"] == "graded" or row["message"], f"{student} has no reason: {row}"
    for word in words:
        assert word.lower() in row["message"].lower(), f"{student}: {word!r} not in {row['message']!r}"


def autograded_text(course, student) -> str:
    """Everything the student's notebook printed while graded."""
    path = Course(course).autograded(student, LAB)
    nb = nbformat.read(path, as_version=4)
    return "\n".join(str(output) for cell in nb.cells for output in cell.get("outputs", []))


def test_nothing_outside_the_sandbox_was_read_written_or_reached(hostile_class):
    course = hostile_class["course"]
    assert "nothing to read" in autograded_text(course, "snoop") and "LEAKED" not in autograded_text(course, "snoop")
    assert "WROTE" not in autograded_text(course, "writer") and "refused" in autograded_text(course, "writer")
    assert not PROBE_OUTSIDE.exists()
    assert not (Course(course).autograded("control", LAB).parents[1] / "x.txt").exists()  # WRITE's target
    assert "NETWORK OK" not in autograded_text(course, "caller") and "no network" in autograded_text(course, "caller")


def test_huge_output_is_cut(hostile_class):
    path = Course(hostile_class["course"]).autograded("shouter", LAB)
    assert path.stat().st_size < 2_000_000
    assert "output cut by the grader" in path.read_text()


def test_gradebook_is_intact_and_holds_every_student(hostile_class):
    db = Course(hostile_class["course"]).sqlite_gradebook
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        students = {row[0] for row in connection.execute("SELECT id FROM student")}
    assert students >= set(EXPECTED)


def feedback_pages(course) -> dict[str, str]:
    return {path.parts[-3]: path.read_text() for path in Course(course).feedback_dir.glob(f"*/{LAB}/{LAB}.html")}


def test_feedback_never_shows_hidden_test_text(hostile_class):
    """Hidden-test lines reach no feedback page through any channel (printed, displayed, raised)."""
    course = hostile_class["course"]
    fragments = hidden_fragments(nbformat.read(Course(course).source(LAB), as_version=4))
    assert HIDDEN_LINE.replace(" ", "") in fragments
    pages = feedback_pages(course)
    assert {"control", "test_printer", "history_reader", "honest_stderr"} <= set(pages)
    for student, page in pages.items():
        flat = normal(re.sub(r"<[^>]+>", "", page))
        leaked = [f for f in fragments if f in flat]
        assert not leaked and "BEGINHIDDENTESTS" not in flat, f"hidden tests in {student}'s feedback: {leaked[:3]}"


def test_honest_warnings_stay_visible_in_feedback(hostile_class):
    pages = feedback_pages(hostile_class["course"])
    assert "debug: called" in pages["honest_stderr"]
    assert "this may be slow" in pages["honest_warnings"]


def test_nothing_of_a_submission_survives_grading(hostile_class):
    course = Course(hostile_class["course"])
    for student in EXPECTED:
        folder = course.autograded(student, LAB).parent
        if folder.exists():
            assert {p.name for p in folder.iterdir()} <= {f"{LAB}.ipynb"}, f"{student} left {sorted(folder.iterdir())}"
        feedback = course.feedback(student, LAB).parent
        if feedback.exists():
            assert {p.name for p in feedback.iterdir()} <= {f"{LAB}.html"}, f"{student}'s feedback folder holds more"
    mounts = Path("/proc/self/mounts").read_text()
    assert not any(f"grading-{student[:20]}-" in mounts for student in EXPECTED), "a scratch tmpfs is still mounted"


ORPHANS = (b"sleep\x003601\x00", b"sleep\x003602\x00")  # what the orphans submission starts


def test_no_process_of_a_submission_is_left(hostile_class):
    left = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "cmdline").read_bytes() in ORPHANS:
                left.append(entry.name)
        except OSError:
            pass
    assert not left, f"processes started by a submission still run: {left}"


def test_the_whole_class_is_exported(hostile_class):
    assert set(hostile_class["rows"]) == set(EXPECTED)
