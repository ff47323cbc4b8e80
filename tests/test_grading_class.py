"""A sample class of lab 01 submissions, good and broken, graded end to end by the instructor commands."""
from __future__ import annotations

import copy
import csv
import html
import re
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

from autograder.notebooks import graded_cells
from autograder.paths import LABS, Course
from autograder.tools.synthetic import solved
from helpers import CLASS_LAB as LAB
from helpers import FULL, autograded_points, released_course

pytestmark = pytest.mark.xdist_group("grading_class")  # one worker builds the class once



@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    course, release, source = released_course(tmp_path_factory.mktemp("course"))
    done = solved(release, source)
    inbox = tmp_path_factory.mktemp("inbox")
    write = lambda name, nb: nbformat.write(nb, inbox / name)  # noqa: E731

    write(f"alice_{LAB}.ipynb", done)
    write(f"bob_{LAB}.ipynb", release)
    write(f"carol_{LAB}.ipynb", solved(release, source, {"standardize", "f_graph", "counter"}))
    (inbox / f"dave_{LAB}.ipynb").write_text('{"cells": [ {"cell_type": "code", ')
    erin = copy.deepcopy(done)
    erin.cells = [c for c in erin.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "counter_tests"]
    write(f"erin_{LAB}.ipynb", erin)
    frank = solved(release, source, {"standardize", "f_graph", "counter"})
    graded_cells(frank)["gradients_tests"].source = "pass  # all good!"
    write(f"frank_{LAB}.ipynb", frank)
    grace = copy.deepcopy(done)
    cell = graded_cells(grace)["counter"]
    cell.source = "while True:\n    pass\n" + cell.source
    write(f"grace_{LAB}.ipynb", grace)
    heidi = copy.deepcopy(done)
    heidi.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    write("heidi_lab one (1).ipynb", heidi)
    (inbox / f"judy_{LAB}.ipynb").write_bytes(b"")
    archive = tmp_path_factory.mktemp("lms") / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(inbox.iterdir()):
            handle.write(path, path.name)
    originals = {p.name: p.read_bytes() for p in inbox.iterdir()}

    grades = course / "grades.csv"
    result = subprocess.run([sys.executable, "-m", "autograder", "--course-dir", str(course),
                             "grade", LAB, str(archive), "--to", str(grades), "--jobs", "2"],
                            capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    with grades.open(newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    return {"rows": rows, "course": course, "output": result.stdout, "inbox": inbox, "originals": originals,
            "archive": archive}


HALF = autograded_points(exercises={"standardize", "f_graph", "counter"})  # what carol and frank solved
EXPECTED = {  # student: (score, status, words the message must contain)
    "alice": (FULL, "graded", []),
    "bob": (0, "graded-with-errors", ["NotImplementedError"]),
    "carol": (HALF, "graded-with-errors", ["NotImplementedError"]),
    "dave": (0, "unreadable", ["not valid JSON"]),
    "erin": (FULL, "graded", ["deleted", "counter_tests"]),
    "frank": (HALF, "graded-with-errors", ["edited", "gradients_tests"]),
    "grace": (FULL - autograded_points(exercises={"counter"}), "graded-with-errors", ["time limit", "counter"]),
    "heidi": (FULL, "graded", ["submitted as 'heidi_lab one (1).ipynb'", "kernel 'ir' replaced"]),
    "judy": (0, "unreadable", ["empty"]),
}


@pytest.mark.slow
def test_every_student_gets_the_expected_grade_and_reason(graded_class):
    rows = graded_class["rows"]
    assert sorted(rows) == sorted(EXPECTED), graded_class["output"]
    for student, (score, status, words) in EXPECTED.items():
        row = rows[student]
        assert float(row["score"]) == score, f"{student}: {row}"
        assert float(row["max_score"]) == FULL
        assert row["status"] == status, f"{student}: {row}"
        for word in words:
            assert word in row["message"], f"{student}: {word!r} not in {row['message']!r}"


@pytest.mark.slow
def test_nothing_is_lost(graded_class):
    inbox = graded_class["inbox"]
    assert {p.name: p.read_bytes() for p in inbox.iterdir()} == graded_class["originals"]
    assert graded_class["archive"].exists()
    for student in EXPECTED:
        submitted = Course(graded_class["course"]).submitted(student, LAB)
        assert submitted.exists(), f"{student}'s notebook was not kept"


@pytest.mark.slow
def test_feedback_never_shows_hidden_tests(graded_class):
    course = Course(graded_class["course"])
    feedback = [course.feedback(student, LAB) for student in EXPECTED if course.feedback(student, LAB).exists()]
    assert {p.parts[-3] for p in feedback} >= {"alice", "bob", "carol", "erin", "frank", "grace", "heidi"}
    hidden = "m = rng.normal(3.0, 2.0, size=(7, 4))"  # code of a hidden test of lab 01 (its output may show)
    assert hidden in course.source(LAB).read_text()
    for page in feedback:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        assert hidden not in text and "BEGIN HIDDEN TESTS" not in text, f"hidden tests shown in {page}"


@pytest.mark.slow
def test_a_logs_folder_tells_what_happened_to_each_student(graded_class):
    course = Course(graded_class["course"])
    assert {p.stem for p in course.log_dir(LAB).glob("*.log")} == set(EXPECTED)
    assert "not valid JSON" in course.log(LAB, "dave").read_text()


def test_collect_refuses_what_is_not_a_folder_or_zip(tmp_path):
    bogus = tmp_path / "grades.txt"
    bogus.write_text("hello")
    result = subprocess.run([sys.executable, "-m", "autograder", "--course-dir", str(tmp_path / "c"),
                             "collect", LAB, str(bogus)], capture_output=True, text=True)
    assert result.returncode == 2 and "neither a folder nor a zip" in result.stderr



@pytest.mark.slow
def test_grade_in_a_new_course_directory_releases_the_lab_first(tmp_path):
    """The first command an instructor types may be `grade`: it builds the release instead of failing."""
    lab = LAB
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(LABS / f"{lab}.ipynb", inbox / f"ana_{lab}.ipynb")  # the blank student notebook
    course, grades = tmp_path / "course", tmp_path / "grades.csv"
    result = subprocess.run([sys.executable, "-m", "autograder", "--course-dir", str(course), "grade", lab, str(inbox),
                             "--to", str(grades), "--jobs", "1"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{lab} had no release" in result.stdout and "Traceback" not in result.stderr
    with grades.open(newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert (row["student_id"], float(row["score"])) == ("ana", 0.0), row
    assert float(row["max_score"]) == FULL, row
