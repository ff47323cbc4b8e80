"""A long-lived process that autogrades submissions one after another with nbgrader's own code.

Starting nbgrader costs about 1.5 s of imports, as much as grading a small lab. A worker pays
it once and then runs nbgrader's ``Autograde`` converter (what ``nbgrader autograde`` and the
formgrader run) for each submission it is given. Student code never runs in the worker: it
runs in the kernel sandbox. A submission that keeps nbgrader busy past its time limit is still
stopped: the grader kills the worker and starts a fresh one (:meth:`Worker.grade`). The
class-level driver is :func:`autograder.grading.run.grade_class`.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
from pathlib import Path

from autograder.gradebook import course_config
from autograder.paths import DB_URL_ENV, Course


def autograde_one(course_dir: str, lab: str, student: str, overrides: dict, env: dict,
                  log_path: str) -> tuple[int, str]:
    """Grade one submission in this process; ``(0, log)`` when nbgrader succeeded, else ``(1, log)``.

    Everything the kernels print goes to ``log_path`` too (they inherit this process's output).
    """
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_fds = os.dup(1), os.dup(2)
    with open(log_path, "w") as output:
        os.dup2(output.fileno(), 1)
        os.dup2(output.fileno(), 2)
    try:
        os.environ.update(env)
        os.chdir(course_dir)
        if not Course(course_dir).config.exists():
            raise FileNotFoundError(f"{Course(course_dir).config} is missing: not a course directory")
        config = course_config(Path(course_dir), overrides)
        os.environ.pop(DB_URL_ENV, None)  # read by the config; kernels must not inherit it
        coursedir = CourseDirectory(config=config, root=course_dir)
        coursedir.assignment_id, coursedir.student_id = lab, student
        app = Autograde(coursedir=coursedir, config=config)
        app.force, app.create_student = True, True
        result = capture_log(app)
        code, log = (0 if result["success"] else 1), result.get("log", "") + result.get("error", "")
    except Exception:  # never let one submission take the worker down
        code, log = 1, traceback.format_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved_fds[0], 1)
        os.dup2(saved_fds[1], 2)
        os.close(saved_fds[0])
        os.close(saved_fds[1])
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return code, Path(log_path).read_text(errors="replace") + log


def feedback_one(course_dir: str, lab: str, student: str, log_path: str, **_) -> tuple[int, str]:
    """nbgrader's own GenerateFeedback for one student, in this process; ``(0, log)`` on success."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    saved_cwd = os.getcwd()
    try:
        os.chdir(course_dir)
        config = course_config(Path(course_dir), {})
        coursedir = CourseDirectory(config=config, root=course_dir)
        coursedir.assignment_id, coursedir.student_id = lab, student
        app = GenerateFeedback(coursedir=coursedir, config=config)
        app.force = True
        result = capture_log(app)
        code, log = (0 if result["success"] else 1), result.get("log", "") + result.get("error", "")
    except Exception:  # never let one student's feedback take the worker down
        code, log = 1, traceback.format_exc()
    finally:
        os.chdir(saved_cwd)
    Path(log_path).write_text(log)
    return code, log


TASKS = {"autograde": autograde_one, "feedback": feedback_one}


def serve(connection) -> None:
    """The worker's loop: a task dict in, ``(returncode, log)`` out; None ends it."""
    import nbgrader.converters  # noqa: F401 (the imports this process exists to pay once)

    while (task := connection.recv()) is not None:
        connection.send(TASKS[task.pop("task", "autograde")](**task))


class Worker:
    """One grading process, restarted when a submission outlasts its time limit."""

    def __init__(self) -> None:
        self.start()

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child,), daemon=True)
        self.process.start()

    def grade(self, timeout: float, **task) -> tuple[int | None, str]:
        """``(returncode, log)``; returncode None when the time limit passed (the worker is replaced)."""
        self.connection.send(task)
        if self.connection.poll(timeout):
            try:
                return self.connection.recv()
            except EOFError:  # the worker itself died
                self.start()
                return 1, "the grading process died"
        self.process.kill()
        self.process.join()
        self.start()
        printed = Path(task["log_path"]).read_text(errors="replace") if Path(task["log_path"]).exists() else ""
        return None, f"{printed}\nkilled after {timeout:.0f} s"

    def close(self) -> None:
        try:
            self.connection.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
