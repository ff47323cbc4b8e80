"""The class report of a small graded class of lab 01, checked against nbgrader's gradebook."""
from __future__ import annotations

import csv
import re
import subprocess
import sys

import nbformat
import pytest

from autograder.build import source_notebook
from autograder.gradebook import open_gradebook
from autograder.notebooks import graded_cells
from autograder.outcomes import Outcome, Status, read_outcomes, write_outcomes
from autograder.tools import report
from autograder.tools.synthetic import exercises, solved
from helpers import CLASS_LAB as LAB
from helpers import released_course

pytestmark = pytest.mark.xdist_group("report")  # one worker builds the class once

HOSTILE = "<script>alert('boo')</script>"
WRONG_SIGMOID = '"sigmoid": lambda: tf.sigmoid(x),'  # the derivative forgets the (1 - f(x)) factor



def autograder_cli(course, *args):
    result = subprocess.run([sys.executable, "-m", "autograder", "--course-dir", str(course), *args],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """alice solved everything, bob nothing, carol three exercises; erin has a wrong sigmoid
    derivative and a cell raising HTML in its message; dave's file is not JSON."""
    course, release, source = released_course(tmp_path_factory.mktemp("course"))
    everything = set(exercises(source))
    inbox = tmp_path_factory.mktemp("inbox")
    nbformat.write(solved(release, source, everything), inbox / "alice.ipynb")
    nbformat.write(release, inbox / "bob.ipynb")
    nbformat.write(solved(release, source, {"standardize", "f_graph", "counter"}), inbox / "carol.ipynb")
    (inbox / "dave.ipynb").write_text('{"cells": [ {"cell_type": "code", ')
    erin = solved(release, source, everything)
    cell = graded_cells(erin)["derivatives"]
    cell.source = re.sub(r'"sigmoid": lambda: .*', WRONG_SIGMOID, cell.source)
    assert WRONG_SIGMOID in cell.source
    erin.cells.append(nbformat.v4.new_code_cell(f"raise ValueError({HOSTILE!r})"))
    nbformat.write(erin, inbox / "erin.ipynb")

    autograder_cli(course, "collect", LAB, str(inbox))
    autograder_cli(course, "autograde", LAB, "--jobs", "2")
    out = course / "report"
    printed = autograder_cli(course, "report", LAB, "--out", str(out))
    return {"course": course, "out": out, "printed": printed}


def gradebook_scores(course):
    """``{grade_id: {student: score}}`` straight from nbgrader's gradebook."""
    scores = {}
    with open_gradebook(course) as gb:
        for submission in gb.assignment_submissions(LAB):
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    scores.setdefault(grade.name, {})[submission.student_id] = (grade.score, grade.max_score)
    return scores


def read_rows(path):
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_csv_numbers_match_the_gradebook(graded_class):
    rows = {row["exercise"]: row for row in read_rows(graded_class["out"] / f"{LAB}_report.csv")}
    scores = gradebook_scores(graded_class["course"])
    assert set(rows) == set(scores) and len(rows) == len(exercises(source_notebook(LAB)))
    for exercise, by_student in scores.items():
        row = rows[exercise]
        assert set(by_student) == {"alice", "bob", "carol", "erin"}  # dave's file never reached nbgrader
        values = [score for score, _ in by_student.values()]
        max_score = next(iter(by_student.values()))[1]
        assert float(row["max_score"]) == max_score
        assert int(row["students"]) == 4
        assert int(row["full_marks"]) == sum(v == max_score for v in values)
        assert int(row["zero"]) == sum(v == 0 for v in values)
        assert int(row["missed"]) == sum(v < max_score for v in values)
        assert float(row["mean_score"]) == pytest.approx(sum(values) / 4, abs=1e-3)
    assert int(rows["derivatives_tests"]["missed"]) == 3  # bob, carol and erin
    assert int(rows["standardize_tests"]["missed"]) == 1  # bob only
    assert rows["derivatives_tests"]["most_common_error"] == "NotImplementedError"  # 2 students, CheckFailed 1
    assert rows["retracing_tests"]["most_common_error"].startswith("NameError: name ")


def section(page, anchor):
    return page.split(f'<section id="{anchor}">')[1].split("</section>")[0]


@pytest.mark.slow
def test_html_names_the_most_missed_exercise_and_the_failures(graded_class):
    page = (graded_class["out"] / f"{LAB}_report.html").read_text()
    missed = section(page, "most-missed")
    assert missed.index("derivatives_tests") < missed.index("standardize_tests")
    failures = section(page, "failures")
    assert "NotImplementedError" in failures
    assert "CheckFailed: derivatives that differ from autodiff" in failures
    problems = section(page, "problems")
    assert "dave" in problems and "unreadable" in problems and "not valid JSON" in problems
    # student text is escaped, and the page stands alone
    assert HOSTILE not in page and "&lt;script&gt;alert(" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) >= 4 and all('src="data:image/png;base64,' in i and re.search(r'alt="[^"]{20,}"', i)
                                    for i in images)
    levels = [int(level) for level in re.findall(r"<h([1-6])", page)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    assert str(graded_class["out"] / f"{LAB}_report.html") in graded_class["printed"]


def test_problem_submissions_tell_timeouts_from_errors():
    outcomes = [
        Outcome("ann", Status.GRADED),
        Outcome("ben", Status.GRADED_WITH_ERRORS, ["stopped after the per-cell time limit: counter"], timed_out=True),
        Outcome("cid", Status.FAILED, ["grading took longer than 900 s and was stopped"], timed_out=True),
        Outcome("dot", Status.GRADED_WITH_ERRORS, ["errors in 1 cell(s): counter (NameError)"]),
        Outcome("eve", Status.UNREADABLE, ["the submitted file is empty (0 bytes of notebook)"]),
    ]
    problems = {p.student: p for p in report.problem_submissions({o.student: o for o in outcomes})}
    assert set(problems) == {"ben", "cid", "dot", "eve"}
    assert {s for s, p in problems.items() if p.timed_out} == {"ben", "cid"}
    assert list(problems)[:2] == ["cid", "ben"]  # timeouts first


def test_outcomes_round_trip_through_the_grading_log(tmp_path):
    path = tmp_path / "outcomes.csv"
    write_outcomes([Outcome("ann", Status.FAILED, ["grading took longer than 9 s and was stopped"], timed_out=True),
                    Outcome("bob", Status.GRADED_WITH_ERRORS, ["a message that mentions a time limit"])], path)
    problems = {p.student: p for p in report.problem_submissions(read_outcomes(path))}
    assert problems["ann"].timed_out and problems["ann"].status is Status.FAILED
    assert not problems["bob"].timed_out  # the status and the flag decide, never the words


@pytest.mark.parametrize("output, message", [
    ({"ename": "CheckFailed", "evalue": "standardize(x): expected 1, got 2\n  hint: cast"},
     "CheckFailed: standardize(x): expected 1, got 2"),
    ({"ename": "NotImplementedError", "evalue": ""}, "NotImplementedError"),
    ({"ename": "ValueError", "evalue": "\x1b[0;31mbad\x1b[0m value"}, "ValueError: bad value"),
])
def test_failure_message_is_the_first_line_of_the_exception(output, message):
    assert report.failure_message(output) == message
