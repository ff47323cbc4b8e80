"""Grading is offline: a lab that opens a network connection fails inside the sandbox."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from autograder.build import build_lab
from autograder.grading import bubblewrap
from autograder.grading.run import grade_class
from autograder.outcomes import Status
from autograder.paths import SOLUTIONS, Course
from autograder.tools import selfcheck

NETWORK_LAB = '''# %% [markdown]
# # Lab 99: a lab that reaches for the network

# %%
from course import check

# %% exercise="fetch"
def connect():
    import socket
    ### BEGIN SOLUTION
    with socket.create_connection(("192.0.2.1", 80), timeout=5):  # TEST-NET-1, never routed
        return True
    ### END SOLUTION

# %% tests="fetch" points=1
check("connect()", connect(), True)
'''


@pytest.fixture
def network_lab(tmp_path):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    (solutions / "99_network.py").write_text(NETWORK_LAB)
    course = tmp_path / "course"
    build_lab("99_network", course, tmp_path / "labs", solutions_dir=solutions)
    selfcheck.submit(course, "99_network", "reference", Course(course).source("99_network"))
    return course


@pytest.mark.slow
def test_a_lab_that_opens_a_socket_fails_when_graded(network_lab):
    [outcome] = grade_class("99_network", network_lab, ["reference"])
    scores = selfcheck.cell_scores(network_lab, "99_network", "reference")
    assert scores["fetch_tests"].score == 0
    assert outcome.status is Status.GRADED_WITH_ERRORS
    assert "OSError" in outcome.message or "Error" in outcome.message


def test_sandbox_has_loopback_but_no_other_interface(tmp_path):
    argv = bubblewrap.prefix(tmp_path) + ["cat", "/proc/net/dev"]
    interfaces = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    names = {line.split(":")[0].strip() for line in interfaces.splitlines()[2:]}
    assert names == {"lo"}


def test_sandbox_filesystem_is_read_only_outside_the_course(tmp_path):
    probe = SOLUTIONS / ".sandbox-probe"  # the instructor sources must survive any submission
    course = tmp_path / "course"
    course.mkdir()
    script = f"touch {probe} 2>&1; echo $?; touch {course}/y; echo $?"
    out = subprocess.run(bubblewrap.prefix(course) + ["sh", "-c", script], capture_output=True, text=True).stdout
    assert "Read-only file system" in out and out.split()[-2:] == ["1", "0"]
    assert not probe.exists() and (course / "y").exists()


def test_missing_bubblewrap_is_explained(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(bubblewrap.SandboxUnavailable, match="apt-get install bubblewrap"):
        bubblewrap.prefix(".")


def test_missing_bubblewrap_is_one_line_and_an_exit_code_at_the_command_line(monkeypatch, capsys):
    from autograder import cli

    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert cli.main(["benchmark", "01_tensorflow_foundations"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: grading runs student code offline inside bubblewrap") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
