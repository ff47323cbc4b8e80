"""Unit tests of the build, collect and submission checks, and of the project's own files."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder.build import SourceError, source_notebook
from autograder.grading.collect import collect
from autograder.grading.intake import compare_with_release, read_submission
from autograder.paths import REPO, Course, check_lab_name
from helpers import graded_points

GOOD = '''# %% [markdown]
# # Lab 98: tiny

# %% exercise="double"
def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% tests="double" points=1
check("double(2)", double(2), 4)
'''


def write_lab(tmp_path, text, name="98_tiny"):
    (tmp_path / f"{name}.py").write_text(text)
    return name


def test_markers_become_nbgrader_metadata(tmp_path):
    nb = source_notebook(write_lab(tmp_path, GOOD), tmp_path)
    meta = [c.metadata.get("nbgrader") for c in nb.cells]
    assert meta[1] == {"grade": False, "grade_id": "double", "locked": False, "schema_version": 3,
                       "solution": True, "task": False}
    assert meta[2]["grade_id"] == "double_tests" and meta[2]["points"] == 1 and meta[2]["locked"]
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("change, message", [
    (lambda s: s.replace(' points=1', ''), "needs points=N"),
    (lambda s: s.replace('tests="double"', 'tests="triple"'), r"comes before \(or without\) exercise='triple'"),
    (lambda s: s.replace('# %% tests="double" points=1\ncheck("double(2)", double(2), 4)\n', ''),
     r"exercise\(s\) \['double'\] have no tests= cell"),
    (lambda s: s.replace('exercise="double"', ''), "would reach students"),
    (lambda s: s.replace('exercise="double"', 'exercise="two words"'), "letters, digits and _"),
    (lambda s: s.replace('    return 2 * x\n', '    return 2 *\n'), "is not valid Python"),
    (lambda s: s + '\n# %% [markdown] answer="why" points=1\n# Because.\n#\n# ## 2. The next section\n',
     "answer='why' holds a heading"),
])
def test_broken_sources_are_refused_with_the_reason(tmp_path, change, message):
    with pytest.raises(SourceError, match=message):
        source_notebook(write_lab(tmp_path, change(GOOD)), tmp_path)


def test_unknown_lab_lists_the_labs():
    with pytest.raises(ValueError, match="unknown lab 'lab1'; the labs are: 01_tensorflow_foundations"):
        check_lab_name("lab1")


def notebook_file(path: Path, nb=None):
    nbformat.write(nb or nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), path)
    return path


def test_collect_from_a_zip_renames_and_reports(tmp_path):
    lab = "01_tensorflow_foundations"
    inbox = tmp_path / "inbox"
    (inbox / "mia").mkdir(parents=True)
    notebook_file(inbox / "mia" / "my work.ipynb")
    notebook_file(inbox / f"noah_{lab}.ipynb")
    notebook_file(inbox / "noah_old_attempt.ipynb")
    notebook_file(inbox / "bad id!.ipynb")
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in inbox.rglob("*.ipynb"):
            handle.write(path, path.relative_to(inbox))
    collected, problems = collect(lab, archive, tmp_path / "course")
    by_student = {c.student: c for c in collected}
    assert sorted(by_student) == ["mia", "noah"]
    assert "submitted as 'my work.ipynb'" in by_student["mia"].note
    noah = by_student["noah"].note
    assert "2 notebooks found" in noah and "ignored: noah_old_attempt.ipynb" in noah
    assert Course(tmp_path / "course").submitted("mia", lab).exists()
    assert len(problems) == 1 and "cannot tell the student id" in problems[0]


@pytest.mark.parametrize("content, reason", [
    (b"", "empty"),
    (b"\xff\xfe\x00garbage", "not text"),
    (b'{"cells": [', "not valid JSON (line 1"),
    (b'{"hello": 1}', "not a Jupyter notebook"),
    (b'{"cells": [{"cell_type": "code"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', "notebook format"),
])
def test_unreadable_submissions_get_a_plain_reason(tmp_path, content, reason):
    path = tmp_path / "x.ipynb"
    path.write_bytes(content)
    nb, problem = read_submission(path)
    assert nb is None and reason in problem


def test_differences_from_the_release_are_named(tmp_path):
    nb = source_notebook(write_lab(tmp_path, GOOD), tmp_path)
    submitted = nbformat.from_dict(nbformat.from_dict(nb))
    submitted.cells[2].source = "pass"
    submitted.metadata["kernelspec"] = {"name": "julia-1.9"}
    notes = compare_with_release(submitted, nb)
    assert notes == ["locked test cell(s) edited; the original tests were run: double_tests",
                     "kernel 'julia-1.9' replaced by the course kernel 'python3'"]
    del submitted.cells[2]
    assert "deleted and restored from the release: double_tests" in compare_with_release(submitted, nb)[0]


def pins(lines):
    return sorted(line.strip() for line in lines if re.match(r"^[A-Za-z0-9_.-]+==", line.strip()))


def test_environment_yml_pins_the_same_stack_as_requirements():
    requirements = pins((REPO / "requirements.txt").read_text().splitlines())
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert "python=3.11" in env["dependencies"]
    assert pins(pip_section) == requirements
    assert len(requirements) >= 15


def test_every_requirement_is_pinned_exactly():
    for line in (REPO / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.match(r"^[A-Za-z0-9_.-]+==[0-9][^ ;]*$", line), f"not pinned: {line!r}"


def test_readme_quick_start_is_three_commands():
    readme = (REPO / "README.md").read_text()
    for command in ("make setup", "make lab", "make test"):
        assert command in readme
    makefile = (REPO / "Makefile").read_text()
    assert "pytest" in makefile and "jupyter lab" in makefile
    assert "make setup" in (REPO / ".ci" / "run").read_text() and "make test" in (REPO / ".ci" / "run").read_text()


def test_readme_tables_come_from_the_code():
    import subprocess
    import sys

    from autograder.outcomes import Status

    result = subprocess.run([sys.executable, str(REPO / "scripts" / "update_docs.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr  # the limits table is generated from autograder.settings
    readme = (REPO / "README.md").read_text()
    for status in Status:
        assert f"\n| {status.value} |" in readme, f"README's status table lacks {status.value!r}"


def test_no_hand_spelled_course_paths_in_the_package_or_the_tests():
    """Course-directory paths come from autograder.paths.Course, nowhere else."""
    pattern = re.compile(r"""["'/](source|release|submitted|autograded|feedback|logs|exports|outbox|reports)["']"""
                         r"""\s*/|/\s*["'](source|release|submitted|autograded|feedback|logs|exports|outbox|reports)["']"""
                         r"""|gradebook\.db["']\s*(?!\])""")
    import ast

    allowed = {REPO / "autograder" / "paths.py", Path(__file__)}
    offenders = []
    for path in sorted([*(REPO / "autograder").glob("*.py"), *(REPO / "tests").glob("*.py")]):
        if path in allowed:
            continue
        text = path.read_text()
        # multi-line strings are prose or a hostile student's code (which spells paths on purpose)
        in_strings = {n for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Constant)
                      and isinstance(node.value, str) and node.end_lineno > node.lineno
                      for n in range(node.lineno, node.end_lineno + 1)}
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.search(line) and number not in in_strings:
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not offenders, "use autograder.paths.Course instead:\n" + "\n".join(offenders)


def test_readme_lab_table_counts_every_labs_exercises_and_points():
    """The README's "exercises (points)" column is what each source grades: it must follow a changed lab."""
    from autograder.paths import lab_names

    rows = {line.split("|")[1].strip(): line.split("|")[4].strip()
            for line in (REPO / "README.md").read_text().splitlines() if re.match(r"\| \d\d \| \[", line)}
    for lab in lab_names():
        tests, written = (list(points.values()) for points in graded_points(lab))
        expected = f"{len(tests)} ({sum(tests)})" + (f" + {len(written)} written ({sum(written)})" if written else "")
        said = rows.get(lab[:2])
        assert said == expected, f"README's row for {lab} says {said!r}, its source grades {expected!r}"
