"""The gradebook on a real PostgreSQL server: lab 01 graded end to end by the instructor commands.

The fixture starts a throwaway PostgreSQL cluster (Debian's package, installed with apt-get
when missing) as user ``postgres``, listening on 127.0.0.1 and on a unix socket. Grading runs
nbgrader offline in the sandbox (no network), so the course reaches the server through its
unix socket; the test reads the grades back over TCP.
"""
from __future__ import annotations

import copy
import csv
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from autograder.build import build_lab, source_notebook
from autograder.paths import DB_URL_ENV, Course, init_course_dir
from autograder.tools.synthetic import solved
from helpers import CLASS_LAB as LAB
from helpers import FULL, short_cell_timeout

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("postgres")]  # one worker builds the class once

PG_USER = "postgres"  # the system account the server runs as (initdb and postgres refuse root)


def _fail(message: str, result: subprocess.CompletedProcess | None = None):
    detail = "" if result is None else "\n" + (result.stdout + result.stderr).strip()[-2000:]
    pytest.fail(f"PostgreSQL test server: {message}{detail}", pytrace=False)


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _install_postgres() -> Path:
    """Debian's PostgreSQL server binaries, installed quietly if missing."""
    if _pg_bin() is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            _fail("initdb is missing and cannot be installed here (needs root and apt-get): "
                  "apt-get install postgresql")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"]
        result = subprocess.run(install, capture_output=True, text=True, env=env, timeout=600)
        if result.returncode != 0:  # a fresh machine may need its package lists first
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env, timeout=600)
            result = subprocess.run(install, capture_output=True, text=True, env=env, timeout=600)
        if result.returncode != 0 or _pg_bin() is None:
            _fail("`apt-get install postgresql` failed", result)
    try:
        subprocess.run(["id", "-u", PG_USER], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        _fail(f"no system user {PG_USER!r} to run the server as (Debian's postgresql package creates it)")
    return _pg_bin()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A running throwaway server with database ``gradebook`` owned by role ``grader``."""
    bin_dir = _install_postgres()
    as_pg = ["runuser", "-u", PG_USER, "--"]
    # Outside /tmp: the grading sandbox mounts an empty /tmp, and must still see the socket.
    root = Path(tempfile.mkdtemp(prefix="autograder-pg-", dir="/var/tmp"))
    data, sockets, port = root / "data", root / "socket", _free_port()
    sockets.mkdir()
    for path in (root, sockets):
        shutil.chown(path, PG_USER, PG_USER)
        path.chmod(0o755)
    run = lambda *argv, **kw: subprocess.run([*as_pg, *map(str, argv)], capture_output=True,  # noqa: E731
                                              text=True, timeout=120, cwd=root, **kw)
    started = False
    try:
        result = run(bin_dir / "initdb", "-D", data, "-U", PG_USER, "-A", "trust", "-E", "UTF8", "--no-sync")
        if result.returncode != 0:
            _fail("initdb failed", result)
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={sockets} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        result = run(bin_dir / "pg_ctl", "-D", data, "-l", root / "server.log", "-o", options,
                     "-w", "-t", "60", "start")
        started = result.returncode == 0
        if not started:
            log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
            _fail(f"pg_ctl start failed on port {port}:\n{log[-2000:]}", result)
        for sql in ("CREATE ROLE grader LOGIN", "CREATE DATABASE gradebook OWNER grader"):
            result = run(bin_dir / "psql", "-h", sockets, "-p", port, "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                         "-qc", sql)
            if result.returncode != 0:
                _fail(f"psql {sql!r} failed", result)
        yield {"socket_url": f"postgresql://grader@/gradebook?host={sockets}&port={port}",
               "tcp_url": f"postgresql://grader@127.0.0.1:{port}/gradebook"}
    finally:
        if started:
            run(bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


LEAK_CHECK = "import os\nprint('gradebook URL seen by student code:', os.environ.get('AUTOGRADER_DB_URL'))"


@pytest.fixture(scope="module")
def graded_on_postgres(postgres, tmp_path_factory):
    url = postgres["socket_url"]
    course = init_course_dir(tmp_path_factory.mktemp("course"))
    short_cell_timeout(course)
    with pytest.MonkeyPatch.context() as patch:  # the build records the assignment in the gradebook
        patch.setenv(DB_URL_ENV, url)
        build_lab(LAB, course, Course(course).labs())
    release = nbformat.read(Course(course).release(LAB), as_version=4)
    inbox = tmp_path_factory.mktemp("inbox")
    nbformat.write(solved(release, source_notebook(LAB)), inbox / f"alice_{LAB}.ipynb")
    blank = copy.deepcopy(release)
    blank.cells.append(nbformat.v4.new_code_cell(LEAK_CHECK))
    nbformat.write(blank, inbox / f"bob_{LAB}.ipynb")
    (inbox / f"dave_{LAB}.ipynb").write_text('{"cells": [ {"cell_type": "code", ')

    grades = course / "grades.csv"
    cli = [sys.executable, "-m", "autograder", "--course-dir", str(course)]
    env_without = {k: v for k, v in os.environ.items() if k != DB_URL_ENV}
    steps = [  # the URL on the command line for some steps, in the environment for the others
        ([*cli, "--db-url", url, "collect", LAB, str(inbox)], env_without),
        ([*cli, "--db-url", url, "autograde", LAB, "--jobs", "2"], env_without),
        ([*cli, "feedback", LAB], {**env_without, DB_URL_ENV: url}),
        ([*cli, "export", LAB, "--to", str(grades)], {**env_without, DB_URL_ENV: url}),
    ]
    output = ""
    for argv, env in steps:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=900, env=env)
        output += result.stdout + result.stderr
        assert result.returncode == 0, f"{' '.join(argv[3:])} failed:\n{output}"
    with grades.open(newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    return {"rows": rows, "course": course, "output": output}


def test_the_class_is_graded_on_postgres(graded_on_postgres):
    rows = graded_on_postgres["rows"]
    assert sorted(rows) == ["alice", "bob", "dave"], graded_on_postgres["output"]
    expected = {"alice": (FULL, "graded"), "bob": (0, "graded-with-errors"), "dave": (0, "unreadable")}
    for student, (score, status) in expected.items():
        assert (float(rows[student]["score"]), rows[student]["status"]) == (score, status), rows[student]
        assert float(rows[student]["max_score"]) == FULL
    assert "not valid JSON" in rows["dave"]["message"]
    for student in ("alice", "bob"):
        assert Course(graded_on_postgres["course"]).feedback(student, LAB).exists()


def test_the_grades_live_in_postgres_not_sqlite(graded_on_postgres, postgres):
    from nbgrader.api import Gradebook

    course = graded_on_postgres["course"]
    assert not list(course.rglob("*.db")), "an sqlite gradebook was created beside the PostgreSQL one"
    with Gradebook(postgres["tcp_url"]) as gb:  # over TCP on loopback, as any other client would
        assert gb.db.bind.dialect.name == "postgresql"
        assert sorted(s.id for s in gb.students) == ["alice", "bob", "dave"]
        assert [a.name for a in gb.assignments] == [LAB]
        scores = {s.student.id: (s.score, s.max_score) for s in gb.assignment_submissions(LAB)}
        assert scores == {"alice": (FULL, FULL), "bob": (0, FULL)}, scores  # dave's file never reached nbgrader
        alice = gb.find_submission_notebook(LAB, LAB, "alice")
        assert sum(g.score for g in alice.grades if g.cell.cell_type == "code") == FULL


def test_student_code_does_not_inherit_the_database_url(graded_on_postgres):
    autograded = Course(graded_on_postgres["course"]).autograded("bob", LAB)
    cell = nbformat.read(autograded, as_version=4).cells[-1]
    assert cell.source == LEAK_CHECK
    text = "".join(output.get("text", "") for output in cell.outputs)
    assert "gradebook URL seen by student code: None" in text, cell.outputs


ROSTER = """student_id,lms_id,name,section,email
alice,201,"Alves, Alice",A,alice@uni.example
bob,202,"Borges, Bob",A,bob@uni.example
dave,204,"Duarte, Dave",B,dave@uni.example
erin,205,"Eiras, Erin",B,erin@uni.example
"""


@pytest.fixture(scope="module")
def semester_on_postgres(graded_on_postgres, postgres, tmp_path_factory):
    """The same class exported for Canvas and regraded, the gradebook still on PostgreSQL."""
    course = graded_on_postgres["course"]
    Course(course).roster.write_text(ROSTER)
    cli = [sys.executable, "-m", "autograder", "--course-dir", str(course), "--db-url", postgres["socket_url"]]
    env = {k: v for k, v in os.environ.items() if k != DB_URL_ENV}
    labs = tmp_path_factory.mktemp("labs")
    output = ""
    for args in (["export", LAB, "--format", "canvas"], ["regrade", LAB, "--jobs", "2", "--labs-dir", str(labs)]):
        result = subprocess.run([*cli, *args], capture_output=True, text=True, timeout=900, env=env, check=False)
        output += result.stdout + result.stderr
        assert result.returncode == 0, f"{args[0]} failed:\n{output}"
    with (Course(course).reports(LAB) / f"{LAB}_regrade.csv").open(newline="") as handle:
        regrade = list(csv.DictReader(handle))
    return {"canvas": (Course(course).exports_dir / f"{LAB}_canvas.csv").read_text(), "regrade": regrade,
            "output": output, "course": course}


def test_the_canvas_export_reads_the_postgres_gradebook(semester_on_postgres):
    assert semester_on_postgres["canvas"].splitlines() == [
        f"Student,ID,SIS User ID,SIS Login ID,Section,{LAB}", f"Points Possible,,,,,{FULL}",
        f'"Alves, Alice",201,,,A,{FULL}', '"Borges, Bob",202,,,A,0', '"Duarte, Dave",204,,,B,0',
        '"Eiras, Erin",205,,,B,0']
    assert "erin (Eiras, Erin) is on the roster but has no submission" in semester_on_postgres["output"]


def test_a_regrade_on_postgres_reports_every_student_and_changes_nothing(semester_on_postgres):
    totals = {r["student_id"]: (r["old_score"], r["new_score"]) for r in semester_on_postgres["regrade"]
              if r["cell"] == "(total)"}
    expected = {"alice": (str(FULL), str(FULL)), "bob": ("0", "0"), "dave": ("0", "0")}
    assert totals == expected, semester_on_postgres["output"]
    assert not list(semester_on_postgres["course"].rglob("*.db")), "the regrade opened an sqlite gradebook"
