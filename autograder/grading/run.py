"""Running: autograde a class with the real nbgrader, several submissions at a time.

Each submission is first read and compared with the release (:mod:`autograder.grading.intake`), so a
broken one gets a clear reason instead of a stack trace. Each readable one is then graded by
nbgrader's own Autograde in one of ``jobs`` worker processes (:mod:`autograder.grading.worker`), its
code running in the kernel sandbox (:mod:`autograder.grading.kernel`), under the wall-clock
limit of :class:`~autograder.settings.Limits`: a hang or a crash costs that student their run,
never anyone else's. What went wrong is told by :mod:`autograder.grading.diagnosis`; the result is an
:class:`~autograder.outcomes.Outcome`.
"""
from __future__ import annotations

import os
import queue
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from autograder import nbgrader_run
from autograder.grading import kernel as grading_kernel
from autograder.grading.bubblewrap import SandboxUnavailable
from autograder.grading.diagnosis import execution_problems, failure_reason, last_error_line
from autograder.grading.intake import compare_with_release, read_submission, release_notebook, restore_settings
from autograder.grading.worker import Worker
from autograder.integrity.planted import integrity_problems
from autograder.integrity.tampering import tampering
from autograder.outcomes import Outcome, Status
from autograder.paths import Course
from autograder.settings import DEFAULTS, Limits


def grade_student(lab: str, student: str, course_dir: Path, release, *, isolate: bool = True,
                  limits: Limits = DEFAULTS, worker: Worker | None = None) -> Outcome:
    """Autograde one student's submission (in ``worker``, else in a process of its own);
    never raises for a bad submission."""
    course = Course(course_dir)
    log_path = course.log(lab, student)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    nb, problem = read_submission(course.submitted(student, lab))
    if problem:
        nbgrader_run.run(course.root, "db", "student", "add", student, check=False)
        log_path.write_text(problem + "\n")
        return Outcome(student, Status.UNREADABLE, [problem])
    notes = compare_with_release(nb, release)
    if restore_settings(nb, release):  # on the grader's copy in submitted/; the original stays as it was
        nbformat.write(nb, course.submitted(student, lab))
    launch = grading_kernel.prepare(course.root, student, limits) if isolate else None
    overrides, env = (launch.overrides, launch.env) if launch else ({}, {})
    own_worker = worker is None
    worker = worker or Worker()
    limit_notes: list[str] = []
    try:
        for _attempt in (1, 2):  # a second try only when another grader held the sqlite gradebook
            returncode, log = worker.grade(limits.submission_timeout, course_dir=str(course.root.resolve()), lab=lab,
                                           student=student, overrides=overrides, env=env, log_path=str(log_path))
            if returncode == 0 or "database is locked" not in log:
                break
    finally:
        if own_worker:
            worker.close()
        if launch:
            limit_notes = launch.finish()
    log_path.write_text(log)
    notes += limit_notes
    autograded = course.autograded(student, lab)
    if returncode is None:
        return Outcome(student, Status.FAILED,
                       notes + [f"grading took longer than {limits.submission_timeout:.0f} s and was stopped"],
                       timed_out=True)
    if returncode != 0 or not autograded.exists():
        reason, timed_out = failure_reason(log)
        return Outcome(student, Status.FAILED, notes + [reason], timed_out=timed_out)
    clean_autograded(course, lab, student)
    errors, timed_out = execution_problems(autograded)
    suspicious = tampering(nb, release)
    kernel = integrity_problems(nbformat.read(autograded, as_version=4))
    if kernel is None:
        kernel = ["the grader's integrity checks did not run (is autograder.integrity.planted in the course's "
                  "nbgrader_config.py?)"] if isolate else []
    if suspicious or kernel:
        found = ([f"code that can change how the tests run: {'; '.join(suspicious)}"] if suspicious else []) + \
                ([f"the kernel did not behave as the grader's own checks require: {'; '.join(kernel)}"]
                 if kernel else [])
        return Outcome(student, Status.TAMPERED,
                       [f"possible tampering, scored 0 until reviewed: {' / '.join(found)}", *notes, *errors],
                       timed_out=timed_out)
    return Outcome(student, Status.GRADED_WITH_ERRORS if errors else Status.GRADED, notes + errors,
                   timed_out=timed_out)


def default_jobs() -> int:
    """One grading process per CPU core this process may use."""
    return max(1, len(os.sched_getaffinity(0)))


def grade_class(lab: str, course_dir: Path, students: list[str] | None = None, *, isolate: bool = True,
                limits: Limits = DEFAULTS, jobs: int = 1) -> list[Outcome]:
    """Grade every submission of ``lab`` (or only ``students``), ``jobs`` at a time, each job a
    long-lived nbgrader worker process; outcomes come back in student order."""
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    release = release_notebook(course_dir, lab)
    students = students or Course(course_dir).students_with_submissions(lab)
    workers: queue.SimpleQueue[Worker] = queue.SimpleQueue()
    started = [Worker() for _ in range(min(jobs, len(students)))]
    for worker in started:
        workers.put(worker)

    def grade(student: str) -> Outcome:
        worker = workers.get()
        try:
            return grade_student(lab, student, course_dir, release, isolate=isolate, limits=limits, worker=worker)
        except SandboxUnavailable:  # the machine's trouble, not this submission's: the command says so
            raise
        except (OSError, ValueError, RuntimeError) as error:  # one submission's trouble is only its own row
            return Outcome(student, Status.FAILED, [f"the grader could not finish this submission "
                                                    f"({type(error).__name__}: {str(error)[:200]})"])
        finally:
            workers.put(worker)

    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(grade, students))
    finally:
        for worker in started:
            worker.close()


def keep_only(keep: Path) -> None:
    """Delete everything in ``keep``'s folder but ``keep`` itself (links are removed, never followed)."""
    folder = keep.parent
    if folder.is_dir():
        for path in sorted(folder.rglob("*"), reverse=True):
            if path != keep:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)


def clean_feedback(course: Course, lab: str, student: str) -> None:
    """Keep only the feedback page in the student's feedback folder (nbgrader copies every
    other file of the autograded folder beside it)."""
    keep_only(course.feedback(student, lab))


def clean_autograded(course: Course, lab: str, student: str) -> None:
    """Keep only the executed notebook in the student's autograded folder."""
    keep_only(course.autograded(student, lab))


def feedback_student(lab: str, student: str, course_dir: Path, *, limits: Limits = DEFAULTS,
                     worker: Worker | None = None) -> str | None:
    """Write one student's feedback page; None when it worked, else why not (plain words)."""
    course = Course(course_dir)
    if not course.autograded(student, lab).exists():
        return None  # nothing was graded (unreadable, failed): nothing to give feedback on
    log_path = course.feedback_log(lab, student)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    own_worker = worker is None
    worker = worker or Worker()
    try:
        returncode, log = worker.grade(limits.feedback_timeout, task="feedback", course_dir=str(course.root.resolve()),
                                       lab=lab, student=student, log_path=str(log_path))
    finally:
        if own_worker:
            worker.close()
    clean_feedback(course, lab, student)
    if returncode is None:
        return f"feedback could not be generated: it took longer than {limits.feedback_timeout:.0f} s"
    if returncode != 0 or not course.feedback(student, lab).exists():
        course.feedback(student, lab).unlink(missing_ok=True)
        return f"feedback could not be generated ({last_error_line(log)})"
    return None


def feedback_class(lab: str, course_dir: Path, students: list[str] | None = None, *, limits: Limits = DEFAULTS,
                   jobs: int = 1) -> dict[str, str | None]:
    """Feedback for every autograded student of ``lab``, one page per student, ``jobs`` at a time:
    ``{student: None or why it could not be generated}``."""
    course = Course(course_dir)
    students = students or [s for s in course.students_with_submissions(lab) if course.autograded(s, lab).exists()]
    workers: queue.SimpleQueue[Worker] = queue.SimpleQueue()
    started = [Worker() for _ in range(min(jobs, len(students)))]
    for worker in started:
        workers.put(worker)

    def one(student: str) -> str | None:
        worker = workers.get()
        try:
            return feedback_student(lab, student, course.root, limits=limits, worker=worker)
        except Exception as error:  # noqa: BLE001 (one student's feedback never stops the others)
            return f"feedback could not be generated ({type(error).__name__}: {error})"
        finally:
            workers.put(worker)

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return dict(zip(students, pool.map(one, students)))
    finally:
        for worker in started:
            worker.close()
