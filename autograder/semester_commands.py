"""The semester's commands: LMS export with the late policy, similarity, regrade, formgrader.

Added to the command line by :mod:`autograder.cli` (``add_commands``); ``collect`` records the
submission times through :func:`record_times`, and ``export`` is :func:`cmd_export`.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from autograder import lms_export
from autograder.late_policy import read_policy, submission_times, write_times
from autograder.paths import LABS, check_lab_name, lab_names

POLICY_EXAMPLE = """late policy file (COURSE/late_policy.toml, or --policy FILE), TOML:
  time_zone = "Europe/Lisbon"   # IANA name
  grace_minutes = 10
  penalty_per_day = 10          # percent of the lab's points per late day beyond the late days
  max_penalty = 50              # percent cap
  late_days = 3                 # per student, for the whole course
  [due]
  01_tensorflow_foundations = "2026-09-14 23:59"
  [extensions.carol]
  01_tensorflow_foundations = "2026-09-16 23:59"
roster (COURSE/roster.csv, or --roster FILE), CSV: student_id,lms_id,name,section,email
  [,sis_user_id,sis_login_id]"""


def _collect_notes(course_dir: Path, lab: str) -> dict[str, str]:
    path = Path(course_dir) / "logs" / lab / "collected.csv"
    if not path.exists():
        return {}
    with path.open(newline="") as handle:
        return {row["student_id"]: row["note"] for row in csv.DictReader(handle) if row["note"]}


def record_times(args, lab: str) -> None:
    """Save the trusted submission times of ``args.source`` (called by ``collect``)."""
    policy_path = Path(getattr(args, "policy", None) or lms_export.default_policy(args.course_dir))
    zone = read_policy(policy_path, lab_names()).time_zone if policy_path.exists() else None
    times = submission_times(args.source, zone, getattr(args, "times", None))
    write_times(times, lms_export.times_path(args.course_dir, lab))
    unknown = sum(t.when is None for t in times.values())
    known = len(times) - unknown
    print(f"submission times: {known} from {'the LMS zip' if Path(args.source).is_file() else 'the folder'}"
          + (f", {unknown} unknown (no trusted time: charged nothing by the late policy)" if unknown else ""))


def cmd_export(args) -> int:
    if getattr(args, "all", False):
        labs = lms_export.graded_labs(args.course_dir)
        if not labs:
            raise ValueError(f"{Path(args.course_dir) / 'submitted'}: no lab has collected submissions to export")
    elif args.lab:
        labs = [check_lab_name(args.lab)]
    else:
        raise ValueError("name a lab to export, or --all for every lab with submissions")
    notes = {lab: _collect_notes(args.course_dir, lab) for lab in labs}
    written, problems = lms_export.export(labs, args.course_dir, getattr(args, "format", "csv") or "csv",
                                          getattr(args, "to", None), getattr(args, "roster", None),
                                          getattr(args, "policy", None), notes)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_similarity(args) -> int:
    from autograder import similarity

    lab = check_lab_name(args.lab)
    html_path, csv_path, hits, skipped = similarity.run(lab, args.course_dir, args.out, args.threshold, args.min_tokens)
    for pair in hits:
        print(f"similar: {pair.a} and {pair.b}: {pair.score:.0%} ({pair.tokens} matching tokens)")
    for student, why in sorted(skipped.items()):
        print(f"not compared: {student}: {why}")
    print(f"{len(hits)} pair(s) flagged (flags only: no grade changes)\nwrote {html_path}\nwrote {csv_path}")
    return 0


def cmd_regrade(args) -> int:
    from autograder import regrade

    lab = check_lab_name(args.lab)
    html_path, csv_path, changes, totals = regrade.regrade(lab, args.course_dir, labs_dir=args.labs_dir,
                                                           isolate=not args.no_sandbox, timeout=args.timeout,
                                                           jobs=args.jobs)
    for student, (old, new) in totals.items():
        if old != new:
            print(f"{student:20s} {old:g} -> {new:g}")
    moved = sum(old != new for old, new in totals.values())
    print(f"regraded {len(totals)} submission(s) of {lab}: {moved} total(s) changed, {len(changes)} cell change(s)\n"
          f"wrote {html_path}\nwrote {csv_path}\nrun `export {lab}` to send the new grades to the LMS")
    return 0


def cmd_formgrader(args) -> int:
    from autograder import formgrader

    return formgrader.main(args.course_dir, args.port, args.browser)


def add_export_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=lms_export.FORMATS, default="csv",
                   help="csv (ours: raw score, late penalty, final score), canvas (its gradebook import layout) "
                        "or moodle (CSV import matched on ID number or e-mail)")
    p.add_argument("--all", action="store_true", help="every lab with submissions, in one file per format")
    p.add_argument("--roster", type=Path, help="roster CSV (default: COURSE/roster.csv)")
    p.add_argument("--policy", type=Path, help="late policy TOML (default: COURSE/late_policy.toml)")


def add_collect_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--times", type=Path, help="CSV student_id,submitted_at exported from the LMS: "
                                              "submission times to trust over the zip's entry times")
    p.add_argument("--policy", type=Path, help="late policy TOML (its time zone reads the zip's times)")


def add_commands(sub, add_grading_options) -> None:
    p = sub.add_parser("similarity", help="pairs of students with the same exercise code (HTML and CSV; flags only)")
    p.add_argument("lab")
    p.add_argument("--threshold", type=float, default=0.6, help="flag pairs at or above this share (default %(default)s)")
    p.add_argument("--min-tokens", type=int, default=40, help="and sharing at least this many normalised tokens")
    p.add_argument("--out", type=Path, help="folder for LAB_similarity.html and .csv (default: COURSE/reports/LAB)")
    p.set_defaults(func=cmd_similarity)
    p = sub.add_parser("regrade", help="rebuild a lab, regrade every submission, keep manual grades, report changes")
    p.add_argument("lab")
    p.add_argument("--labs-dir", type=Path, default=LABS,
                   help="where the rebuilt student notebooks go (default: labs/; release them again if they changed)")
    add_grading_options(p)
    p.set_defaults(func=cmd_regrade)
    p = sub.add_parser("formgrader", help="JupyterLab with nbgrader's formgrader on the course (manual grading)")
    p.add_argument("--port", type=int, default=8888)
    p.add_argument("--browser", action="store_true", help="open a web browser too")
    p.set_defaults(func=cmd_formgrader)
