"""The semester's commands: LMS export with the late policy, similarity, regrade, formgrader.

Rows of :data:`autograder.cli.COMMANDS`; ``collect`` records the submission times through
:func:`record_times`, and ``export`` is :func:`cmd_export`.
"""
from __future__ import annotations

import sys
from pathlib import Path

from autograder.paths import Course, check_lab_name, lab_names
from autograder.semester import lms_export
from autograder.semester.late_policy import read_policy, submission_times, write_times
from autograder.settings import limits_of


def record_times(args, lab: str) -> None:
    """Save the trusted submission times of ``args.source`` (called by ``collect``)."""
    policy_path = Path(getattr(args, "policy", None) or Course(args.course_dir).late_policy)
    zone = read_policy(policy_path, lab_names()).time_zone if policy_path.exists() else None
    times = submission_times(args.source, zone, getattr(args, "times", None))
    write_times(times, Course(args.course_dir).times(lab))
    unknown = sum(t.when is None for t in times.values())
    known = len(times) - unknown
    print(f"submission times: {known} from {'the LMS zip' if Path(args.source).is_file() else 'the folder'}"
          + (f", {unknown} unknown (no trusted time: charged nothing by the late policy)" if unknown else ""))


def cmd_export(args) -> int:
    if getattr(args, "all", False):
        labs = lms_export.graded_labs(args.course_dir)
        if not labs:
            raise ValueError(f"{Course(args.course_dir).submitted_dir}: no lab has collected submissions to export")
    elif args.lab:
        labs = [check_lab_name(args.lab)]
    else:
        raise ValueError("name a lab to export, or --all for every lab with submissions")
    written, problems = lms_export.export(labs, args.course_dir, getattr(args, "format", "csv") or "csv",
                                          getattr(args, "to", None), getattr(args, "roster", None),
                                          getattr(args, "policy", None),
                                          course_wide=getattr(args, "all", False))
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_similarity(args) -> int:
    from autograder.semester import similarity

    lab = check_lab_name(args.lab)
    html_path, csv_path, hits, skipped = similarity.run(lab, args.course_dir, args.out, args.threshold, args.min_tokens)
    for pair in hits:
        print(f"similar: {pair.a} and {pair.b}: {pair.score:.0%} ({pair.tokens} matching tokens)")
    for student, why in sorted(skipped.items()):
        print(f"not compared: {student}: {why}")
    print(f"{len(hits)} pair(s) flagged (flags only: no grade changes)\nwrote {html_path}\nwrote {csv_path}")
    return 0


def cmd_regrade(args) -> int:
    from autograder.semester import regrade

    lab = check_lab_name(args.lab)
    html_path, csv_path, changes, totals = regrade.regrade(lab, args.course_dir, labs_dir=args.labs_dir,
                                                           isolate=not args.no_sandbox, limits=limits_of(args),
                                                           jobs=args.jobs)
    for student, (old, new) in totals.items():
        if old != new:
            print(f"{student:20s} {old:g} -> {new:g}")
    moved = sum(old != new for old, new in totals.values())
    print(f"regraded {len(totals)} submission(s) of {lab}: {moved} total(s) changed, {len(changes)} cell change(s)\n"
          f"wrote {html_path}\nwrote {csv_path}\nrun `export {lab}` to send the new grades to the LMS")
    return 0


def cmd_formgrader(args) -> int:
    from autograder.semester import formgrader

    return formgrader.main(args.course_dir, args.port, args.browser)
