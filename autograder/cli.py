"""Instructor commands: ``python -m autograder <command> ...`` (``--help`` on each).

    build [LAB ...]          solutions/ -> nbgrader source -> release -> labs/ (all labs by default)
    release LAB              build LAB and zip the student notebook for the LMS (autograder/outbox/)
    collect LAB SOURCE       copy submissions from a folder or LMS zip into submitted/
    autograde LAB            grade every collected submission (student code sandboxed, --jobs at once)
    feedback LAB             nbgrader's HTML feedback per student (hidden tests removed)
    export LAB|--all [--format canvas|moodle|csv]
                             grades for the LMS: raw score, late penalty, final score (roster, late policy)
    grade LAB SOURCE         collect, autograde, feedback and export in one go
    similarity LAB           pairs of students with the same exercise code (HTML + CSV; flags only)
    regrade LAB              rebuild LAB, regrade every submission, keep manual grades, report what changed
    formgrader               JupyterLab with nbgrader's formgrader on the course (written answers)
    selfcheck [LAB ...]      grade each lab's reference and blank release in a scratch course
    benchmark [LAB ...]      seconds and peak memory of each reference lab
    grading-benchmark LAB    plain nbgrader vs parallel grading of a synthetic class: the speed-up

The gradebook is sqlite (<course dir>/gradebook.db) unless ``--db-url`` or the environment
variable AUTOGRADER_DB_URL names another SQLAlchemy URL (PostgreSQL: postgresql://...).
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import zipfile
from pathlib import Path

from autograder import grading, nbgrader_cli, selfcheck, semester_commands
from autograder.build import build_lab, init_course_dir
from autograder.collect import collect
from autograder.paths import COURSE_DIR, DB_URL_ENV, LABS, check_lab_name, lab_names


def _labs(names: list[str]) -> list[str]:
    return [check_lab_name(name) for name in names] if names else lab_names()


def cmd_build(args) -> int:
    for lab in _labs(args.labs):
        ipynb, py = build_lab(lab, args.course_dir, LABS)
        print(f"built {ipynb.relative_to(LABS.parent)} and {py.name}")
    return 0


def cmd_release(args) -> int:
    lab = check_lab_name(args.lab)
    ipynb, _ = build_lab(lab, args.course_dir, LABS)
    outbox = Path(args.course_dir) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    archive = outbox / f"{lab}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.write(ipynb, ipynb.name)
    print(f"released {lab}: upload {archive} to your LMS (students can also open labs/{ipynb.name})")
    return 0


def _collect_notes_path(course_dir: Path, lab: str) -> Path:
    return Path(course_dir) / "logs" / lab / "collected.csv"


def cmd_collect(args) -> int:
    lab = check_lab_name(args.lab)
    init_course_dir(args.course_dir)
    collected, problems = collect(lab, args.source, args.course_dir)
    path = _collect_notes_path(args.course_dir, lab)
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
    outcomes = grading.autograde(lab, args.course_dir, args.student or None,
                                 isolate=not args.no_sandbox, timeout=args.timeout, jobs=args.jobs)
    grading.write_outcomes(outcomes, grading.outcomes_path(args.course_dir, lab))
    for outcome in outcomes:
        print(f"{outcome.student:20s} {outcome.status:20s} {outcome.message}")
    counts = {status: sum(o.status == status for o in outcomes) for status in grading.STATUS_HELP}
    print(", ".join(f"{n} {status}" for status, n in counts.items() if n))
    return 0


def cmd_feedback(args) -> int:
    lab = check_lab_name(args.lab)
    nbgrader_cli.run(args.course_dir, "generate_feedback", lab, "--force")
    print(f"feedback in {Path(args.course_dir) / 'feedback'}/<student>/{lab}/{lab}.html")
    return 0


def cmd_export(args) -> int:
    return semester_commands.cmd_export(args)


def cmd_grade(args) -> int:
    for step in (cmd_collect, cmd_autograde, cmd_feedback, cmd_export):
        step(args)
    return 0


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
            ok = got == expected and (student != selfcheck.REFERENCE or outcome.status == "graded")
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {lab} {student:9s} {got:g}/{total:g} autograded points"
                  f" ({outcome.status}{': ' + outcome.message if outcome.message and not ok else ''})")
            if not ok:
                for s in auto:
                    print(f"       {s.grade_id:30s} {s.score:g}/{s.max_score:g}")
    return 1 if failures else 0


def cmd_benchmark(args) -> int:
    from autograder import benchmark

    os.environ.pop(DB_URL_ENV, None)  # no gradebook involved; keep it from the kernels
    return benchmark.main(args.labs)


def cmd_grading_benchmark(args) -> int:
    from autograder import grading_benchmark

    os.environ.pop(DB_URL_ENV, None)  # scratch gradebooks only
    return grading_benchmark.main(check_lab_name(args.lab), args.students, args.jobs)


def cmd_report(args) -> int:
    from autograder import report

    lab = check_lab_name(args.lab)
    html_path, csv_path = report.build_report(lab, args.course_dir, args.out)
    print(f"wrote {html_path}\nwrote {csv_path}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--course-dir", type=Path, default=COURSE_DIR,
                     help="nbgrader course directory (default: autograder/)")
    top.add_argument("--db-url", default=os.environ.get(DB_URL_ENV) or None,
                     help="gradebook as an SQLAlchemy URL, e.g. postgresql://grader@/gradebook"
                          "?host=/var/run/postgresql (default: $AUTOGRADER_DB_URL if set, else "
                          "sqlite gradebook.db in the course directory)")
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="regenerate labs/ from solutions/")
    p.add_argument("labs", nargs="*")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("release", help="build a lab and zip it for the LMS")
    p.add_argument("lab")
    p.set_defaults(func=cmd_release)
    for name, func, help_text in (("collect", cmd_collect, "collect submissions"),
                                  ("grade", cmd_grade, "collect + autograde + feedback + export")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("lab")
        p.add_argument("source", type=Path, help="folder or LMS zip of submitted notebooks")
        semester_commands.add_collect_options(p)
        if name == "grade":
            add_grading_options(p)
            p.add_argument("--to", type=Path)
            p.set_defaults(student=None)
        p.set_defaults(func=func)
    p = sub.add_parser("autograde", help="grade collected submissions")
    p.add_argument("lab")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    add_grading_options(p)
    p.set_defaults(func=cmd_autograde)
    p = sub.add_parser("feedback", help="HTML feedback for every graded student")
    p.add_argument("lab")
    p.set_defaults(func=cmd_feedback)
    p = sub.add_parser("export", help="grades for the LMS (csv, canvas, moodle), late policy applied",
                       epilog=semester_commands.POLICY_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("lab", nargs="?")
    p.add_argument("--to", type=Path, help="CSV path for one lab in csv format, else a folder "
                                           "(default: autograder/exports/)")
    semester_commands.add_export_options(p)
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("selfcheck", help="reference gets every point, blank gets zero")
    p.add_argument("labs", nargs="*")
    p.add_argument("--no-sandbox", action="store_true")
    p.set_defaults(func=cmd_selfcheck)
    p = sub.add_parser("benchmark", help="seconds and peak memory per reference lab")
    p.add_argument("labs", nargs="*")
    p.set_defaults(func=cmd_benchmark)
    p = sub.add_parser("grading-benchmark", help="time plain nbgrader against parallel grading of a synthetic class")
    p.add_argument("lab")
    p.add_argument("--students", type=int, default=20, help="class size (default %(default)s)")
    p.add_argument("--jobs", type=int, default=grading.default_jobs(), help="parallel graders (default %(default)s)")
    p.set_defaults(func=cmd_grading_benchmark)
    p = sub.add_parser("report", help="class report of a graded lab: HTML with plots, and a CSV")
    p.add_argument("lab")
    p.add_argument("--out", type=Path, help="folder for LAB_report.html and .csv (default: COURSE/reports/LAB)")
    p.set_defaults(func=cmd_report)
    semester_commands.add_commands(sub, add_grading_options)
    return top


def add_grading_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-sandbox", action="store_true", help="grade without bubblewrap (trusted notebooks only)")
    p.add_argument("--timeout", type=float, default=grading.SUBMISSION_TIMEOUT,
                   help="seconds allowed for one whole submission (default %(default)s)")
    p.add_argument("--jobs", type=int, default=grading.default_jobs(),
                   help="submissions graded at once (default: the number of CPU cores, %(default)s)")
    p.add_argument("--memory", type=float, default=None, metavar="GIB",
                   help="memory (address space) allowed to one student's kernel, in GiB (default 8)")


def use_kernel_memory(gib: float | None) -> None:
    """Pass the kernel memory limit to the kernel sandbox (through nbgrader's environment)."""
    if gib is None:
        return
    if not gib > 0:
        raise ValueError(f"--memory must be a positive number of GiB, got {gib!r}")
    os.environ["GRADING_MEMORY"] = str(int(gib * 1024**3))


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
        use_kernel_memory(getattr(args, "memory", None))
        return args.func(args)
    except (ValueError, FileNotFoundError, nbgrader_cli.NbgraderError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
