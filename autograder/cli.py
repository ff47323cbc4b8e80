"""Instructor commands: ``python -m autograder [--course-dir DIR] <command> ...``.

Every command is one row of :data:`COMMANDS` (name, function, one-line summary, arguments);
the parser, ``--help`` and the book's command reference are all built from that table. To add
a command: write ``cmd_<name>(args) -> int`` and append a :class:`Command` row.

The course directory (default ``grading/``, see :mod:`autograder.paths`) holds every piece of
grading state. The gradebook is sqlite (``<course dir>/gradebook.db``) unless ``--db-url`` or
the environment variable AUTOGRADER_DB_URL names another SQLAlchemy URL (postgresql://...).
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from autograder import nbgrader_run
from autograder.build import build_lab
from autograder.grading.bubblewrap import SandboxUnavailable
from autograder.grading.collect import collect
from autograder.grading.run import default_jobs, feedback_class, grade_class
from autograder.outcomes import Outcome, Status, read_outcomes, write_outcomes
from autograder.paths import DB_URL_ENV, GRADING, LABS, REPO, Course, check_lab_name, init_course_dir, lab_names
from autograder.semester import commands as semester_commands
from autograder.settings import DEFAULTS, GiB, limits_of
from autograder.tools import selfcheck


@dataclass(frozen=True)
class Arg:
    """One argparse argument: ``Arg("--jobs", type=int, help=...)``."""

    flags: tuple[str, ...]
    options: dict = field(default_factory=dict)

    def __init__(self, *flags: str, **options) -> None:
        object.__setattr__(self, "flags", flags)
        object.__setattr__(self, "options", options)


@dataclass(frozen=True)
class Command:
    """One instructor command: ``python -m autograder <name> ...``."""

    name: str
    run: Callable[[argparse.Namespace], int]
    summary: str
    arguments: tuple[Arg, ...] = ()


def _labs(names: list[str]) -> list[str]:
    return [check_lab_name(name) for name in names] if names else lab_names()


def _relative(path: Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def cmd_build(args) -> int:
    for lab in _labs(args.labs):
        ipynb, py = build_lab(lab, args.course_dir, LABS)
        print(f"built {_relative(ipynb)} and {py.name}")
    return 0


def cmd_release(args) -> int:
    lab = check_lab_name(args.lab)
    ipynb, _ = build_lab(lab, args.course_dir, LABS)
    archive = Course(args.course_dir).outbox(lab)
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.write(ipynb, ipynb.name)
    print(f"released {lab}: upload {archive} to your LMS (students can also open labs/{ipynb.name})")
    return 0


def cmd_collect(args) -> int:
    lab = check_lab_name(args.lab)
    init_course_dir(args.course_dir)
    collected, problems = collect(lab, args.source, args.course_dir)
    path = Course(args.course_dir).collected(lab)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "original", "note"])
        for item in collected:
            writer.writerow([item.student, item.original, item.note])
    for item in collected:
        print(f"{item.student:20s} {item.original}" + (f"  ({item.note})" if item.note else ""))
    for problem in problems:
        print(f"SKIPPED {problem}", file=sys.stderr)
    print(f"collected {len(collected)} submission(s) of {lab}; {len(problems)} file(s) skipped")
    semester_commands.record_times(args, lab)
    return 0


def cmd_autograde(args) -> int:
    lab = check_lab_name(args.lab)
    outcomes = grade_class(lab, args.course_dir, args.student or None, isolate=not args.no_sandbox,
                           limits=limits_of(args), jobs=args.jobs)
    write_outcomes(outcomes, Course(args.course_dir).outcomes(lab))
    for outcome in outcomes:
        print(f"{outcome.student:20s} {outcome.status.value:20s} {outcome.message}")
    counts = {status: sum(o.status is status for o in outcomes) for status in Status}
    print(", ".join(f"{n} {status.value}" for status, n in counts.items() if n))
    return 0


def cmd_feedback(args) -> int:
    """One feedback page per student, each with its own time limit: one student's broken
    notebook costs only that student's page (the reason goes to the grading log and the CSV)."""
    lab = check_lab_name(args.lab)
    course = Course(args.course_dir)
    problems = feedback_class(lab, course.root, getattr(args, "student", None) or None, limits=limits_of(args),
                              jobs=getattr(args, "jobs", None) or default_jobs())
    outcomes = read_outcomes(course.outcomes(lab))
    for student, problem in problems.items():
        if student in outcomes:
            notes = [n for n in outcomes[student].notes if not n.startswith("feedback could not be generated")]
            outcomes[student].notes = notes + ([problem] if problem else [])
        if problem:
            print(f"{student:20s} {problem}")
    if outcomes:
        write_outcomes(list(outcomes.values()), course.outcomes(lab))
    done = sum(problem is None for problem in problems.values())
    print(f"feedback for {done} student(s) in {course.feedback_dir}/<student>/{lab}/{lab}.html"
          + (f"; {len(problems) - done} could not be generated" if done < len(problems) else ""))
    return 0


def cmd_export(args) -> int:
    return semester_commands.cmd_export(args)


def cmd_grade(args) -> int:
    """collect, autograde, feedback, export: the CSV is written whatever happened before it."""
    lab = check_lab_name(args.lab)
    if not Course(args.course_dir).release(lab).exists():  # a new course directory: release the lab first
        init_course_dir(args.course_dir)
        build_lab(lab, args.course_dir, Course(args.course_dir).labs())
        print(f"{lab} had no release in {args.course_dir}: built it from solutions/{lab}.py, as `release` does")
    cmd_collect(args)  # nothing to grade without it: its errors end the command
    failure: BaseException | None = None
    for step in (cmd_autograde, cmd_feedback):
        try:
            step(args)
        except Exception as error:  # noqa: BLE001 (the export below must still run)
            failure = failure or error
            if step is cmd_autograde:
                mark_not_graded(args.course_dir, lab, one_line(error))
            print(f"error: {step.__name__[4:]}: {one_line(error)}", file=sys.stderr)
    cmd_export(args)
    if failure is not None:
        raise failure
    return 0


def mark_not_graded(course_dir: Path, lab: str, reason: str) -> None:
    """Give every collected student without an outcome the status failed and ``reason``."""
    course = Course(course_dir)
    outcomes = read_outcomes(course.outcomes(lab))
    for student in course.students_with_submissions(lab):
        outcomes.setdefault(student, Outcome(student, Status.FAILED, [f"not graded: {reason}"]))
    write_outcomes(list(outcomes.values()), course.outcomes(lab))


def one_line(error: BaseException) -> str:
    """An exception as the one line the instructor reads."""
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else ""
    if isinstance(error, (ValueError, FileNotFoundError)):
        return first or type(error).__name__
    return f"{type(error).__name__}: {first}"[:300]


def cmd_selfcheck(args) -> int:
    os.environ.pop(DB_URL_ENV, None)  # scratch courses keep their own sqlite gradebook
    failures = 0
    for lab in _labs(args.labs):
        with tempfile.TemporaryDirectory(prefix=f"selfcheck-{lab}-") as tmp:
            results = selfcheck.run(lab, Path(tmp), isolate=not args.no_sandbox)
        for student, (outcome, scores) in results.items():
            auto = [s for s in scores.values() if s.auto]
            got, total = sum(s.score for s in auto), sum(s.max_score for s in auto)
            expected = total if student == selfcheck.REFERENCE else 0
            ok = got == expected and (student != selfcheck.REFERENCE or outcome.status is Status.GRADED)
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {lab} {student:9s} {got:g}/{total:g} autograded points"
                  f" ({outcome.status.value}{': ' + outcome.message if outcome.message and not ok else ''})")
            if not ok:
                for s in auto:
                    print(f"       {s.grade_id:30s} {s.score:g}/{s.max_score:g}")
    return 1 if failures else 0


def cmd_benchmark(args) -> int:
    from autograder.tools import lab_timing

    os.environ.pop(DB_URL_ENV, None)  # no gradebook involved; keep it from the kernels
    return lab_timing.main(args.labs)


def cmd_grading_benchmark(args) -> int:
    from autograder.tools import speedup

    os.environ.pop(DB_URL_ENV, None)  # scratch gradebooks only
    return speedup.main(check_lab_name(args.lab), args.students, args.jobs)


def cmd_report(args) -> int:
    from autograder.tools import report

    lab = check_lab_name(args.lab)
    html_path, csv_path = report.build_report(lab, args.course_dir, args.out)
    print(f"wrote {html_path}\nwrote {csv_path}")
    return 0


LAB = Arg("lab", help="the lab, e.g. 01_tensorflow_foundations")
LABS_ARG = Arg("labs", nargs="*", metavar="LAB", help="labs (default: every lab in solutions/)")
SOURCE = Arg("source", type=Path, help="folder or LMS zip of submitted notebooks")
NO_SANDBOX = Arg("--no-sandbox", action="store_true", help="grade without bubblewrap (trusted notebooks only)")
GRADING_OPTIONS = (
    NO_SANDBOX,
    Arg("--timeout", type=float, default=DEFAULTS.submission_timeout,
        help="seconds allowed for one whole submission (default %(default)s)"),
    Arg("--jobs", type=int, default=default_jobs(),
        help="submissions graded at once (default: the number of CPU cores, %(default)s)"),
    Arg("--memory", type=float, default=None, metavar="GIB",
        help=f"memory (address space) allowed to one student's kernel, in GiB (default {DEFAULTS.memory / GiB:g})"),
)
TO = Arg("--to", type=Path, help="CSV path (default: <course dir>/exports/LAB_grades.csv)")
COLLECT_OPTIONS = (
    Arg("--times", type=Path, help="CSV student_id,submitted_at exported from the LMS: submission times "
                                   "to trust over the zip's entry times"),
    Arg("--policy", type=Path, help="late policy TOML (default: <course dir>/late_policy.toml); its time zone "
                                    "reads the zip's entry times"),
)
EXPORT_OPTIONS = (
    Arg("lab", nargs="?", help="the lab, e.g. 01_tensorflow_foundations (or --all)"),
    Arg("--to", type=Path, help="CSV path for one lab in csv format, else a folder (default: <course dir>/exports/)"),
    Arg("--format", choices=("csv", "canvas", "moodle"), default="csv",
        help="csv (ours: raw score, late penalty, final score), canvas (its gradebook import layout) or moodle "
             "(CSV import matched on ID number or e-mail address); default %(default)s"),
    Arg("--all", action="store_true", help="every lab with submissions, one column per lab"),
    Arg("--roster", type=Path, help="roster CSV: student_id,lms_id,name,section,email[,sis_user_id,sis_login_id] "
                                    "(default: <course dir>/roster.csv)"),
    Arg("--policy", type=Path, help="late policy TOML (default: <course dir>/late_policy.toml)"),
)

COMMANDS: list[Command] = [
    Command("build", cmd_build, "regenerate labs/ from solutions/ (all labs by default)", (LABS_ARG,)),
    Command("release", cmd_release, "build a lab and zip its student notebook for the LMS (<course dir>/outbox/)",
            (LAB,)),
    Command("collect", cmd_collect, "copy submissions from a folder or LMS zip into <course dir>/submitted/",
            (LAB, SOURCE, *COLLECT_OPTIONS)),
    Command("autograde", cmd_autograde, "grade every collected submission (student code sandboxed, --jobs at once)",
            (LAB, Arg("--student", action="append", help="grade only this student (repeatable)"),
             *GRADING_OPTIONS)),
    Command("feedback", cmd_feedback, "nbgrader's HTML feedback, one page per graded student (hidden tests removed)",
            (LAB, Arg("--jobs", type=int, default=default_jobs(), help="pages made at once (default %(default)s)"))),
    Command("export", cmd_export, "grades for the LMS (csv, canvas, moodle) with the late policy applied once",
            EXPORT_OPTIONS),
    Command("grade", cmd_grade, "collect, autograde, feedback and export in one go (a new course dir: release first)",
            (LAB, SOURCE, *GRADING_OPTIONS, TO, *COLLECT_OPTIONS)),
    Command("selfcheck", cmd_selfcheck, "grade each lab's reference (every point) and blank release (zero)",
            (LABS_ARG, NO_SANDBOX)),
    Command("benchmark", cmd_benchmark, "seconds and peak memory of each reference lab", (LABS_ARG,)),
    Command("grading-benchmark", cmd_grading_benchmark,
            "time plain nbgrader against parallel grading of a synthetic class",
            (LAB, Arg("--students", type=int, default=20, help="class size (default %(default)s)"),
             Arg("--jobs", type=int, default=default_jobs(), help="parallel graders (default %(default)s)"))),
    Command("report", cmd_report, "class report of a graded lab: HTML with plots, and a CSV",
            (LAB, Arg("--out", type=Path, help="folder for LAB_report.html and .csv "
                                               "(default: <course dir>/reports/LAB)"))),
    Command("similarity", semester_commands.cmd_similarity,
            "pairs of students with the same exercise code: HTML side by side and CSV (flags, never penalises)",
            (LAB, Arg("--threshold", type=float, default=0.5,
                      help="flag pairs at or above this share (default %(default)s)"),
             Arg("--min-tokens", type=int, default=40,
                 help="and sharing at least this many normalised tokens (default %(default)s)"),
             Arg("--out", type=Path,
                 help="folder for LAB_similarity.html and .csv (default: <course dir>/reports/LAB)"))),
    Command("regrade", semester_commands.cmd_regrade,
            "rebuild a lab, regrade every submission, keep manual grades, report per student and cell what changed",
            (LAB, Arg("--labs-dir", type=Path, default=LABS,
                      help="where the rebuilt student notebooks go (default: labs/; release again if they changed)"),
             *GRADING_OPTIONS)),
    Command("formgrader", semester_commands.cmd_formgrader,
            "JupyterLab with nbgrader's formgrader on the course directory, to grade written answers",
            (Arg("--port", type=int, default=8888, help="port on 127.0.0.1 (default %(default)s)"),
             Arg("--browser", action="store_true", help="open a web browser too"))),
]


def parser() -> argparse.ArgumentParser:
    listing = "\n".join(f"  {c.name:19s} {c.summary}" for c in COMMANDS)
    top = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.split("\n\n")[0],
                                  epilog=f"commands:\n{listing}", formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--course-dir", type=Path, default=GRADING,
                     help=f"nbgrader course directory, where all grading state lives (default: {_relative(GRADING)}/)")
    top.add_argument("--db-url", default=os.environ.get(DB_URL_ENV) or None,
                     help="gradebook as an SQLAlchemy URL, e.g. postgresql://grader@/gradebook"
                          "?host=/var/run/postgresql (default: $AUTOGRADER_DB_URL if set, else "
                          "sqlite gradebook.db in the course directory)")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.summary, description=command.summary)
        for argument in command.arguments:
            p.add_argument(*argument.flags, **argument.options)
        p.set_defaults(func=command.run, student=None)
    return top


def use_database(url: str | None) -> None:
    """Make every nbgrader run of this process use the gradebook at ``url`` (None: the default sqlite).

    nbgrader reads the URL from the environment through the course's nbgrader_config.py.
    """
    if not url:
        os.environ.pop(DB_URL_ENV, None)
        return
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except ArgumentError:
        raise ValueError(f"--db-url {url!r} is not an SQLAlchemy URL (e.g. postgresql://user@host/db)") from None
    os.environ[DB_URL_ENV] = url


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        use_database(args.db_url)
        limits_of(args)  # a bad --memory is refused before any work
        return args.func(args)
    except (ValueError, FileNotFoundError, nbgrader_run.NbgraderError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SandboxUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 (a locked gradebook, a timeout, a full disk: one line, not a traceback)
        print(f"error: {one_line(error)}", file=sys.stderr)
        return 1
