"""The contract every lab meets (README "For course maintainers", AUTHORING.md), checked for each lab in solutions/."""
from __future__ import annotations

import ast
import json
import re

import jupytext
import nbformat
import pytest

from autograder.build import source_notebook
from autograder.outcomes import Status
from autograder.paths import LABS, SOLUTIONS
from autograder.tools import selfcheck
from helpers import LABS as ALL_LABS
from helpers import lab_params

REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
MIN_EXERCISES = 5
MIN_PROBLEMS = 2


def test_there_are_labs():
    assert ALL_LABS, "no lab found in solutions/: the contract tests would check nothing"
    assert "01_tensorflow_foundations" in ALL_LABS


def secret_lines(lab: str) -> set[str]:
    """Lines only found inside solution or hidden-test regions of the source."""
    text = (SOLUTIONS / f"{lab}.py").read_text()
    inside = {line.strip() for match in REGION.finditer(text) for line in match.group(2).splitlines()}
    outside = {line.strip() for line in REGION.sub("", text).splitlines()}
    return {line for line in inside - outside if len(line) >= 12 and not line.startswith("#")}


def solution_statements(lab: str) -> set[str]:
    """Solution statements long enough to give an answer away if quoted anywhere (a hint, the prose)."""
    text = (SOLUTIONS / f"{lab}.py").read_text()
    inside = {line.strip().removeprefix("return ") for match in REGION.finditer(text) if match.group(1) == "SOLUTION"
              for line in match.group(2).splitlines()}
    outside = {line.strip().removeprefix("return ") for line in REGION.sub("", text).splitlines()}
    return {line for line in inside - outside if len(line) >= 30 and not line.startswith("#")}


def release_text(lab: str) -> str:
    nb = nbformat.read(LABS / f"{lab}.ipynb", as_version=4)
    return "\n".join(cell.source for cell in nb.cells) + (LABS / f"{lab}.py").read_text()


@pytest.mark.parametrize("lab", lab_params())
def test_every_lab_sets_at_least_two_problems(lab):
    """A problem gives a specification and an acceptance test and leaves the steps to the student;
    its heading says so, "### Exercise N (a problem): ...", so students and reviewers can tell."""
    text = (SOLUTIONS / f"{lab}.py").read_text()
    problems = re.findall(r"^# ### Exercise \d+ \(a problem\): (.*)$", text, re.M)
    assert len(problems) >= MIN_PROBLEMS, f"{lab}: {len(problems)} exercise(s) marked '(a problem)': {problems}"


@pytest.mark.parametrize("lab", lab_params())
def test_release_holds_no_solution_and_no_hidden_test(lab):
    text = release_text(lab)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text, f"{lab}: the release still contains '### {marker}'"
    leaked = sorted(line for line in secret_lines(lab) if line in text)
    assert not leaked, f"{lab}: solution or hidden-test lines reached the release: {leaked[:5]}"
    quoted = sorted(statement for statement in solution_statements(lab) if statement in text)
    assert not quoted, f"{lab}: a hint or the prose quotes the solution: {quoted[:5]}"
    assert text.count("raise NotImplementedError()") >= MIN_EXERCISES


@pytest.mark.parametrize("lab", lab_params())
def test_text_file_and_notebook_are_in_sync(lab):
    ipynb = nbformat.read(LABS / f"{lab}.ipynb", as_version=4)
    text = jupytext.read(LABS / f"{lab}.py")
    summary = lambda nb: [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]  # noqa: E731
    assert summary(text) == summary(ipynb), f"labs/{lab}.py and labs/{lab}.ipynb differ: run `make build`"
    assert ipynb.metadata["kernelspec"]["name"] == "python3"
    assert all(not c.get("outputs") for c in ipynb.cells if c.cell_type == "code"), "outputs must be stripped"


@pytest.mark.slow
@pytest.mark.parametrize("lab", lab_params())
def test_labs_folder_is_what_the_build_produces(lab, graded):
    for suffix in (".ipynb", ".py"):
        fresh = (graded.course.labs() / f"{lab}{suffix}").read_text()
        committed = (LABS / f"{lab}{suffix}").read_text()
        assert fresh == committed, f"labs/{lab}{suffix} is not what solutions/{lab}.py builds to: run `make build`"


@pytest.mark.slow
@pytest.mark.parametrize("lab", lab_params())
def test_reference_gets_every_autograded_point_without_errors(lab, graded):
    outcome = graded.outcomes["reference"]
    assert outcome.status is Status.GRADED, f"{lab} reference: {outcome.status}: {outcome.message}"
    lost = {k: f"{v.score:g}/{v.max_score:g}" for k, v in graded.auto("reference").items() if v.score != v.max_score}
    assert not lost, f"{lab}: the reference solution loses points in {lost}"


@pytest.mark.slow
@pytest.mark.parametrize("lab", lab_params())
def test_blank_release_gets_zero_on_every_graded_cell(lab, graded):
    scores = graded.auto("blank")
    assert len(scores) >= MIN_EXERCISES
    earned = {k: v.score for k, v in scores.items() if v.score != 0}
    assert not earned, f"{lab}: the blank release earns points in {earned}: these tests do not discriminate"


@pytest.mark.slow
@pytest.mark.parametrize("lab", lab_params())
def test_a_skipped_exercise_costs_one_line_not_a_traceback(lab, graded):
    """The blank release run top to bottom: only exercise and tests cells may stop with an error.

    A worked-example or plot cell that uses an exercise wraps it in ``needs(...)``, which turns the
    release's NotImplementedError (or the NameError of a result never computed) into one line.
    """
    blank = nbformat.read(graded.course.autograded(selfcheck.BLANK, lab), as_version=4)
    tracebacks = []
    for number, cell in enumerate(blank.cells, start=1):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("solution") or meta.get("grade"):
            continue
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                first = cell.source.strip().splitlines()[0][:70] if cell.source.strip() else ""
                tracebacks.append(f"cell {number} ({first!r}): {output.ename}: {output.evalue[:100]}")
    assert not tracebacks, (f"{lab}: with the exercises left blank these cells show a traceback; wrap them in "
                            f"`with needs(\"exercise N (name)\"):`\n" + "\n".join(tracebacks))


@pytest.mark.slow
@pytest.mark.parametrize("lab", lab_params())
def test_grading_twice_gives_identical_scores(lab, graded):
    first = {k: v.score for k, v in graded.scores["reference"].items()}
    again = {k: v.score for k, v in graded.scores[graded.AGAIN].items()}
    assert first == again


@pytest.mark.parametrize("lab", lab_params())
def test_exercises_have_visible_checks_that_explain(lab):
    nb = source_notebook(lab)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    assert len(tests) >= MIN_EXERCISES, \
        f"{lab} has {len(tests)} graded exercises, the contract asks for {MIN_EXERCISES}"
    for cell in tests:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        visible = REGION.sub("", cell.source)
        assert re.search(r"\bcheck(_that)?\(", visible), f"{lab}/{grade_id}: no visible check() for students"
        asserts = [n for n in ast.walk(ast.parse(visible)) if isinstance(n, ast.Assert)]
        assert not asserts, f"{lab}/{grade_id}: use check()/check_that() with a hint, not a bare assert"


@pytest.mark.slow
@pytest.mark.parametrize("lab", lab_params())
def test_figures_have_titles(lab, graded):
    executed = graded.executed_reference()
    untitled = []
    for index, cell in enumerate(executed.cells, start=1):
        shows_figure = any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
        if shows_figure and not re.search(r"labelled\(|set_title\(|suptitle\(|plt\.title\(|title=", cell.source):
            untitled.append(index)
    assert not untitled, f"{lab}: cells {untitled} draw a figure with no title"


@pytest.mark.parametrize("lab", lab_params())
def test_prose_lives_in_markdown_and_the_lab_has_a_header(lab):
    nb = source_notebook(lab)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# Lab {lab[:2]}"), \
        f"{lab}: the first cell must be the markdown title '# Lab {lab[:2]}: ...'"
    markdown_words = sum(len(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    assert markdown_words >= 600, f"{lab}: only {markdown_words} words of narrative"
    json.dumps(nb)  # serialisable
