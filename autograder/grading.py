"""Autograde a class with the real nbgrader, several submissions at a time.

Each submission is first read and compared with the release, so a broken one gets a clear
reason (invalid JSON, an empty file, deleted or edited graded cells, another kernel) instead
of a stack trace. Each readable one is then graded by nbgrader's own Autograde in one of
``jobs`` worker processes (:mod:`autograder.grading_worker`), its code running in the kernel
sandbox, under a wall-clock limit: a hang or a crash costs that student their run, never
anyone else's.
"""
from __future__ import annotations

import copy
import csv
import io
import json
import os
import queue
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import nbgrader_cli, sandbox
from autograder.grading_worker import Worker
from autograder.kernel_sandbox import release_cgroups
from autograder.integrity import integrity_problems
from autograder.tampering import tampering

SUBMISSION_TIMEOUT = 900  # seconds for one student's whole notebook, on top of the per-cell limit

STATUS_HELP = {
    "graded": "graded normally",
    "graded-with-errors": "graded; some cells raised errors or were stopped (see message)",
    "unreadable": "the file is not a notebook nbgrader can open; scored 0",
    "failed": "nbgrader could not finish grading it (crash or time limit); scored 0",
    "tampered": "code that can make tests pass without solving them (named in the message); "
                "exported as 0 until an instructor reviews it (the gradebook keeps nbgrader's score)",
}


@dataclass
class Outcome:
    """What happened to one student's submission."""

    student: str
    status: str
    notes: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        return "; ".join(self.notes)


def graded_cells(nb) -> dict[str, nbformat.NotebookNode]:
    """The cells of ``nb`` that nbgrader tracks, by grade_id."""
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in nb.cells
            if cell.metadata.get("nbgrader", {}).get("grade_id")}


def read_submission(path: Path):
    """``(notebook, None)`` for a readable notebook, else ``(None, reason)`` in plain words."""
    if not path.exists():
        return None, f"no notebook at {path}"
    raw = path.read_bytes()
    if not raw.strip():
        return None, "the submitted file is empty (0 bytes of notebook)"
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "the submitted file is not text (is it a notebook at all?)"
    except json.JSONDecodeError as error:
        return None, f"the notebook is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
    if not isinstance(data, dict) or "cells" not in data:
        return None, "the file is JSON but not a Jupyter notebook (no 'cells')"
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # nbformat raises several types for malformed notebooks
        return None, f"the notebook does not follow the notebook format ({str(error).splitlines()[0]})"
    return nb, None


def restore_settings(nb, release) -> bool:
    """Give every graded cell of ``nb`` the nbgrader settings it has in the release.

    nbgrader refuses a notebook whose test cell lost its ``grade`` flag ("inconsistent
    checksums"); the settings are the course's, not the student's. Returns whether any changed.
    """
    changed = False
    expected = graded_cells(release)
    for grade_id, cell in graded_cells(nb).items():
        if grade_id in expected and settings(cell) != settings(expected[grade_id]):
            cell.metadata["nbgrader"] = copy.deepcopy(expected[grade_id].metadata["nbgrader"])
            changed = True
    return changed


def settings(cell) -> dict:
    """What nbgrader grades a cell by: its role, lock and points."""
    meta = cell.metadata["nbgrader"]
    return {key: meta.get(key) for key in ("grade", "solution", "locked", "points", "task")}


def compare_with_release(nb, release) -> list[str]:
    """Differences from the release that nbgrader will repair, as notes for the instructor."""
    notes = []
    got, expected = graded_cells(nb), graded_cells(release)
    missing = [grade_id for grade_id in expected if grade_id not in got]
    if missing:
        notes.append(f"graded cell(s) deleted and restored from the release: {', '.join(missing)}")
    edited = [grade_id for grade_id, cell in expected.items()
              if cell.metadata["nbgrader"].get("locked") and grade_id in got and got[grade_id].source != cell.source]
    if edited:
        notes.append(f"locked test cell(s) edited; the original tests were run: {', '.join(edited)}")
    order = [grade_id for grade_id in got if grade_id in expected]
    if order != [grade_id for grade_id in expected if grade_id in got]:
        notes.append("graded cells were reordered; they ran in the submitted order")
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    changed = [grade_id for grade_id, cell in expected.items()
               if grade_id in got and settings(got[grade_id]) != settings(cell)]
    if changed:
        notes.append(f"nbgrader settings (points, grade, locked) of cell(s) changed and restored from the release: "
                     f"{', '.join(changed)}")
    if kernel != release.metadata.get("kernelspec", {}).get("name"):
        notes.append(f"kernel {kernel!r} replaced by the course kernel 'python3'")
    return notes


def execution_notes(autograded: Path) -> list[str]:
    """Errors in the autograded notebook, grouped: timeouts and exceptions by cell."""
    nb = nbformat.read(autograded, as_version=4)
    timeouts, errors = [], []
    for index, cell in enumerate(nb.cells, start=1):
        label = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if output.get("ename") == "CellTimeoutError":
                timeouts.append(label)
            else:
                errors.append(f"{label} ({output.get('ename')})")
    notes = []
    if timeouts:
        notes.append(f"stopped after the per-cell time limit: {', '.join(timeouts)}")
    if errors:
        notes.append(f"errors in {len(errors)} cell(s): {', '.join(errors[:8])}"
                     + (" ..." if len(errors) > 8 else ""))
    return notes


def failure_reason(log: str) -> str:
    """Why nbgrader could not grade a submission, in the instructor's terms."""
    if "DeadKernelError" in log or "Kernel died" in log:
        return ("the kernel died while running the notebook (the code called os._exit or exit, "
                "crashed Python, or ran out of memory)")
    if "CellTimeoutError" in log:
        return ("a cell ran past the per-cell time limit and the kernel did not answer the interrupt "
                "(a fork bomb, a memory bomb, or code that catches KeyboardInterrupt)")
    return f"nbgrader could not grade it: {last_error_line(log)}"


def last_error_line(log: str) -> str:
    """The most telling line of a failed nbgrader run."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
        if any(word in line for word in ("Error", "error", "died", "Killed", "Timeout")) and "see the" not in line:
            return line[:300]
    return lines[-1][:300] if lines else "no output"


def submission_path(course_dir: Path, lab: str, student: str) -> Path:
    return Path(course_dir) / "submitted" / student / lab / f"{lab}.ipynb"


def students_with_submissions(course_dir: Path, lab: str) -> list[str]:
    submitted = Path(course_dir) / "submitted"
    return sorted(p.name for p in submitted.iterdir() if (p / lab).is_dir()) if submitted.exists() else []


def grade_student(lab: str, student: str, course_dir: Path, release, *, isolate: bool = True,
                  timeout: float = SUBMISSION_TIMEOUT, worker: Worker | None = None) -> Outcome:
    """Autograde one student's submission (in ``worker``, else in a process of its own);
    never raises for a bad submission."""
    course_dir = Path(course_dir)
    log_dir = course_dir / "logs" / lab
    log_dir.mkdir(parents=True, exist_ok=True)
    nb, problem = read_submission(submission_path(course_dir, lab, student))
    if problem:
        nbgrader_cli.run(course_dir, "db", "student", "add", student, check=False)
        (log_dir / f"{student}.log").write_text(problem + "\n")
        return Outcome(student, "unreadable", [problem])
    notes = compare_with_release(nb, release)
    if restore_settings(nb, release):  # on the grader's copy in submitted/; the original stays as it was
        nbformat.write(nb, submission_path(course_dir, lab, student))
    kernel_settings, env = sandbox.grading_environment(course_dir, student) if isolate else ({}, {})
    log_path = log_dir / f"{student}.log"
    own_worker = worker is None
    worker = worker or Worker()
    try:
        for attempt in (1, 2):  # a second try only when another grader held the sqlite gradebook
            returncode, log = worker.grade(timeout, course_dir=str(course_dir.resolve()), lab=lab, student=student,
                                           settings=kernel_settings, env=env, log_path=str(log_path))
            limit_notes = release_cgroups(env["GRADING_CGROUP"]) if env else []
            if returncode == 0 or "database is locked" not in log:
                break
    finally:
        if own_worker:
            worker.close()
    log_path.write_text(log)
    if env:
        shutil.rmtree(env["JUPYTER_RUNTIME_DIR"], ignore_errors=True)
    notes += limit_notes
    autograded = course_dir / "autograded" / student / lab / f"{lab}.ipynb"
    if returncode is None:
        return Outcome(student, "failed", notes + [f"grading took longer than {timeout:.0f} s and was stopped"])
    if returncode != 0 or not autograded.exists():
        return Outcome(student, "failed", notes + [failure_reason(log)])
    errors = execution_notes(autograded)
    suspicious = tampering(nb, release)
    kernel = integrity_problems(nbformat.read(autograded, as_version=4))
    if kernel is None:
        kernel = ["the grader's integrity checks did not run"] if isolate else []
    if suspicious or kernel:
        found = ([f"code that can change how the tests run: {'; '.join(suspicious)}"] if suspicious else []) + \
                ([f"the kernel did not behave as the grader's own checks require: {'; '.join(kernel)}"] if kernel else [])
        return Outcome(student, "tampered", [f"possible tampering, scored 0 until reviewed: {' / '.join(found)}",
                                             *notes, *errors])
    return Outcome(student, "graded-with-errors" if errors else "graded", notes + errors)


def release_notebook(course_dir: Path, lab: str):
    path = Path(course_dir) / "release" / lab / f"{lab}.ipynb"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `python -m autograder release {lab}` first")
    return nbformat.read(path, as_version=4)


def default_jobs() -> int:
    """One grading process per CPU core this process may use."""
    return max(1, len(os.sched_getaffinity(0)))


def autograde(lab: str, course_dir: Path, students: list[str] | None = None, *, isolate: bool = True,
              timeout: float = SUBMISSION_TIMEOUT, jobs: int = 1) -> list[Outcome]:
    """Grade every submission of ``lab`` (or only ``students``), ``jobs`` at a time, each job a
    long-lived nbgrader worker process; outcomes come back in student order."""
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    release = release_notebook(course_dir, lab)
    students = students or students_with_submissions(course_dir, lab)
    workers: queue.SimpleQueue[Worker] = queue.SimpleQueue()
    started = [Worker() for _ in range(min(jobs, len(students)))]
    for worker in started:
        workers.put(worker)

    def grade(student: str) -> Outcome:
        worker = workers.get()
        try:
            return grade_student(lab, student, course_dir, release, isolate=isolate, timeout=timeout, worker=worker)
        finally:
            workers.put(worker)

    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(grade, students))
    finally:
        for worker in started:
            worker.close()


def write_outcomes(outcomes: list[Outcome], path: Path) -> None:
    """Save what happened to each submission (read back by :func:`export`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "status", "message"])
        for outcome in outcomes:
            writer.writerow([outcome.student, outcome.status, outcome.message])


def read_outcomes(path: Path) -> dict[str, tuple[str, str]]:
    if not path.exists():
        return {}
    with path.open(newline="") as handle:
        return {row["student_id"]: (row["status"], row["message"]) for row in csv.DictReader(handle)}


def outcomes_path(course_dir: Path, lab: str) -> Path:
    return Path(course_dir) / "logs" / lab / "outcomes.csv"


def export(lab: str, course_dir: Path, out: Path, collect_notes: dict[str, str] | None = None) -> list[dict]:
    """Write ``out`` (CSV): nbgrader's own export for ``lab`` plus each submission's status and message."""
    nbgrader_cli.run(course_dir, "export", "--to", str(Path(out).resolve()) + ".nbgrader", "--assignment", lab)
    collect_notes = collect_notes or {}
    outcomes = read_outcomes(outcomes_path(course_dir, lab))
    raw = Path(str(Path(out).resolve()) + ".nbgrader")
    with raw.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["assignment"] == lab]
    raw.unlink()
    for row in rows:
        status, message = outcomes.get(row["student_id"], ("not submitted", ""))
        note = collect_notes.get(row["student_id"], "")
        row["status"], row["message"] = status, "; ".join(part for part in (note, message) if part)
        if status == "tampered":
            row["message"] += f" (nbgrader's score: {row['score']})"
            row["score"] = "0.0"
    buffer = io.StringIO()
    fields = ["assignment", "student_id", "score", "max_score", "status", "message"]
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda row: row["student_id"]))
    Path(out).write_text(buffer.getvalue())
    return rows
