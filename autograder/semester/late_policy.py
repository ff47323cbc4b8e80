"""The course's late policy: due dates, a penalty rule, late days, extensions; applied once, at export.

The policy is one small TOML file, ``late_policy.toml`` in the course directory (or
``--policy FILE``)::

    time_zone = "Europe/Lisbon"     # IANA name: due dates and zip times without a zone are read in it
    grace_minutes = 10              # a submission this close after the deadline is on time
    penalty_per_day = 10            # percent of the lab's points per late day not covered by late days
    max_penalty = 50                # percent: the penalty never exceeds this (100: a lab can reach 0)
    late_days = 3                   # per student for the whole course, spent automatically, in due order

    [due]                           # one deadline per lab; a lab not listed has none
    01_tensorflow_foundations = "2026-09-14 23:59"

    [extensions.carol]              # per student and lab: a new deadline (same formats)
    01_tensorflow_foundations = "2026-09-16 23:59"

A day late is any started 24 hours after the deadline (plus grace). Late days are spent first,
oldest lab first, as long as the student has some left; the days they do not cover cost
``penalty_per_day`` percent each, up to ``max_penalty``. The penalty is in points, never more
than the raw score (as nbgrader's own ``AssignLatePenalties`` clamps it).

**Which submission times are trusted, and why** (:func:`submission_times`):

1. a times CSV the instructor exports from the LMS (``--times FILE``, columns ``student_id`` and
   ``submitted_at``): the LMS recorded the time when the file arrived, on its own clock;
2. ``timestamp.txt`` beside a student's notebook in a per-student folder: nbgrader's own
   exchange writes it at submission time (``nbgrader collect`` keeps it);
3. the entry times of an LMS zip: Canvas and Moodle write each file into the download archive
   with the time they stored it; a zip keeps entry times whatever happens to the archive
   (copying, mailing, re-downloading). They carry no time zone: they are read in ``time_zone``.

File modification times of an unpacked folder are **not** trusted: unzipping, copying, syncing
or a checkout sets them to "now", which would make every student late (or, after ``touch``,
on time). A submission without a trusted time is reported "time unknown" and charged nothing.

nbgrader's late-penalty interface (``nbgrader.plugins.LateSubmissionPlugin``: penalty from the
student, the score and the seconds late) is reused for the rule itself:
:class:`CourseLatePenalty` implements it. It is not registered with nbgrader's autograde,
whose plugin sees one notebook at a time and cannot know the course-wide late-day budget;
the export computes the ledger over every lab, then asks the plugin for each penalty.
"""
from __future__ import annotations

import csv
import math
import re
import tomllib
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

POLICY_FILE = "late_policy.toml"
KEYS = {"time_zone", "grace_minutes", "penalty_per_day", "max_penalty", "late_days", "due", "extensions"}
DATE_HELP = "write YYYY-MM-DD HH:MM (24-hour clock, in the policy's time_zone) or ISO 8601 with an offset"


class PolicyError(ValueError):
    """A late policy or a times file that cannot be used; one line naming the file, the entry and what is allowed."""


@dataclass
class Policy:
    path: Path
    time_zone: ZoneInfo
    grace: timedelta = timedelta(0)
    penalty_per_day: float = 0.0
    max_penalty: float = 100.0
    late_days: int = 0
    due: dict[str, datetime] = field(default_factory=dict)
    extensions: dict[tuple[str, str], datetime] = field(default_factory=dict)

    def deadline(self, lab: str, student: str) -> datetime | None:
        return self.extensions.get((student, lab), self.due.get(lab))


def parse_time(value, zone: ZoneInfo | None, where: str) -> datetime:
    """A datetime from a TOML datetime or a string; naive ones are in ``zone`` (kept naive when None)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise PolicyError(f"{where}: {value!r} is not a date and time; {DATE_HELP}") from None
    else:
        raise PolicyError(f"{where}: {value!r} is not a date and time; {DATE_HELP}")
    return moment.replace(tzinfo=zone) if moment.tzinfo is None and zone is not None else moment


def _number(data: dict, key: str, default, where: str, low: float, high: float | None = None):
    value = data.get(key, default)
    out_of_range = value < low or (high is not None and value > high) if isinstance(value, (int, float)) else True
    if isinstance(value, bool) or out_of_range:
        allowed = f"a number from {low:g} to {high:g}" if high is not None else f"a number of at least {low:g}"
        raise PolicyError(f"{where}: {key} = {value!r} is not allowed; use {allowed}")
    return value


def read_policy(path: Path, labs: list[str] | None = None) -> Policy:
    """The policy at ``path``; ``labs`` (when given) are the only lab names [due] may use."""
    path = Path(path)
    if not path.is_file():
        raise PolicyError(f"{path}: no late policy there; write one (see `python -m autograder export --help`)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{path}: not valid TOML ({error}); keys are written key = value, "
                          "dates in quotes") from None
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise PolicyError(f"{path}: unknown setting(s) {', '.join(unknown)}; allowed: {', '.join(sorted(KEYS))}")
    zone_name = data.get("time_zone")
    if not isinstance(zone_name, str):
        raise PolicyError(f"{path}: time_zone is missing; give an IANA name such as \"Europe/Lisbon\" or \"UTC\"")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(f"{path}: time_zone {zone_name!r} is not a time zone; use an IANA name such as "
                          "\"America/Sao_Paulo\", \"Europe/Lisbon\" or \"UTC\"") from None
    policy = Policy(path, zone,
                    grace=timedelta(minutes=_number(data, "grace_minutes", 0, str(path), 0, 24 * 60)),
                    penalty_per_day=float(_number(data, "penalty_per_day", 0, str(path), 0, 100)),
                    max_penalty=float(_number(data, "max_penalty", 100, str(path), 0, 100)),
                    late_days=_number(data, "late_days", 0, str(path), 0))
    if not isinstance(policy.late_days, int):
        raise PolicyError(f"{path}: late_days = {policy.late_days!r} is not allowed; use a whole number of days")
    due = data.get("due", {})
    if not isinstance(due, dict):
        raise PolicyError(f"{path}: due must be a table ([due], one line per lab: NN_slug = \"YYYY-MM-DD HH:MM\")")
    for lab, value in due.items():
        where = f"{path}, [due] {lab}"
        if labs is not None and lab not in labs:
            raise PolicyError(f"{where}: no such lab; the labs are {', '.join(labs)}")
        policy.due[lab] = parse_time(value, zone, where)
    extensions = data.get("extensions", {})
    if not isinstance(extensions, dict) or not all(isinstance(v, dict) for v in extensions.values()):
        raise PolicyError(f"{path}: extensions must be tables, one per student: [extensions.STUDENT] "
                          "then NN_slug = \"YYYY-MM-DD HH:MM\"")
    for student, by_lab in extensions.items():
        for lab, value in by_lab.items():
            where = f"{path}, [extensions.{student}] {lab}"
            if labs is not None and lab not in labs:
                raise PolicyError(f"{where}: no such lab; the labs are {', '.join(labs)}")
            policy.extensions[(student, lab)] = parse_time(value, zone, where)
    return policy


# --------------------------------------------------------------------------- submission times

@dataclass(frozen=True)
class SubmissionTime:
    student: str
    when: datetime | None  # None: no trusted time
    origin: str            # where the time comes from, in words


def _student_of(relative: Path) -> str:
    from autograder.grading.collect import (
        _student_of as collect_student_of,  # the same rule collect uses
    )

    return collect_student_of(relative)


def read_times_csv(path: Path, zone: ZoneInfo | None = None) -> dict[str, SubmissionTime]:
    """``student_id,submitted_at`` rows (times as in the policy)."""
    path = Path(path)
    if not path.is_file():
        raise PolicyError(f"{path}: no times file there (CSV with columns student_id, submitted_at)")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        if "student_id" not in fields or "submitted_at" not in fields:
            raise PolicyError(f"{path}, row 1 (header): needs the columns student_id and submitted_at, "
                              f"found: {', '.join(fields) or '(nothing)'}")
        times = {}
        for number, row in enumerate(reader, start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            if not row.get("student_id"):
                continue
            when = parse_time(row["submitted_at"], zone, f"{path}, row {number} (submitted_at)")
            times[row["student_id"]] = SubmissionTime(row["student_id"], when, f"times file {path.name}")
    return times


def submission_times(source: Path, zone: ZoneInfo | None = None,
                     times_csv: Path | None = None) -> dict[str, SubmissionTime]:
    """The trusted submission time of every student's notebook in ``source`` (see the module docstring).

    Times without a zone (zip entries) stay naive when ``zone`` is None: the export reads them in
    the policy's time zone, so the policy may be written or changed after collecting."""
    source = Path(source)
    times: dict[str, SubmissionTime] = {}
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                name = Path(info.filename)
                if info.is_dir() or name.suffix != ".ipynb" or "__MACOSX" in name.parts \
                        or ".ipynb_checkpoints" in name.parts:
                    continue
                student = _student_of(name)
                when = datetime(*info.date_time, tzinfo=zone)
                if student not in times or when > times[student].when:  # several notebooks: the latest counts
                    times[student] = SubmissionTime(student, when, f"zip entry time of {info.filename}")
    elif source.is_dir():
        for stamp in sorted(source.glob("*/timestamp.txt")):
            student = stamp.parent.name
            text = stamp.read_text(errors="replace").strip()
            text = re.sub(r"\s*(UTC|GMT)$", "+00:00", text)
            times[student] = SubmissionTime(student, parse_time(text.replace(" ", "T", 1), zone,
                                                                 f"{stamp} (nbgrader's timestamp.txt)"),
                                            f"{stamp.parent.name}/timestamp.txt")
        for notebook in sorted(source.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in notebook.parts:
                continue
            student = _student_of(notebook.relative_to(source))
            times.setdefault(student, SubmissionTime(student, None, "folder without timestamp.txt: "
                                                     "file times are not trusted"))
    if times_csv:
        times.update(read_times_csv(times_csv, zone))
    return times


def write_times(times: dict[str, SubmissionTime], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "submitted_at", "origin"])
        for student in sorted(times):
            t = times[student]
            writer.writerow([student, t.when.isoformat() if t.when else "", t.origin])


def read_times(path: Path, zone: ZoneInfo | None = None) -> dict[str, SubmissionTime]:
    """What :func:`write_times` saved; naive times are put in ``zone``."""
    if not Path(path).exists():
        return {}
    with Path(path).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {row["student_id"]: SubmissionTime(row["student_id"],
                                              parse_time(row["submitted_at"], zone, str(path))
                                              if row["submitted_at"] else None, row["origin"])
            for row in rows}


# --------------------------------------------------------------------------- the rule and the ledger

class CourseLatePenalty(LateSubmissionPlugin):
    """nbgrader's late-penalty plugin interface with the course rule: ``penalty_per_day`` percent of
    ``max_score`` per started day late (``total_seconds_late`` already net of late days), at most
    ``max_penalty`` percent, never more than the score."""

    penalty_per_day = Float(0.0, help="percent of the lab's points per day late").tag(config=True)
    max_penalty = Float(100.0, help="highest penalty, in percent of the lab's points").tag(config=True)
    max_score = Float(0.0, help="the lab's points").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        if total_seconds_late <= 0:
            return None
        days = math.ceil(total_seconds_late / 86400)
        percent = min(self.max_penalty, self.penalty_per_day * days)
        return round(min(score, self.max_score * percent / 100), 2)


@dataclass
class LateEntry:
    """One student's lab in the ledger."""

    student: str
    lab: str
    submitted: datetime | None
    deadline: datetime | None
    origin: str
    days_late: int = 0
    late_days_used: int = 0
    days_charged: int = 0  # days late not covered by late days

    @property
    def note(self) -> str:
        if self.deadline is None:
            return "no deadline in the late policy"
        if self.submitted is None:
            return f"time unknown ({self.origin}); charged nothing"
        if not self.days_late:
            return ""
        words = f"{self.days_late} day(s) late"
        if self.late_days_used:
            words += f", {self.late_days_used} late day(s) used"
        if self.days_charged:
            words += f", {self.days_charged} day(s) penalised"
        return words


def ledger(policy: Policy, times_by_lab: dict[str, dict[str, SubmissionTime]]) -> dict[tuple[str, str], LateEntry]:
    """Every ``(student, lab)`` with a submission, late days spent oldest deadline first."""
    entries: dict[tuple[str, str], LateEntry] = {}
    never = datetime.max.replace(tzinfo=policy.time_zone)
    order = sorted(times_by_lab, key=lambda lab: (policy.due.get(lab) is None, policy.due.get(lab) or never, lab))
    left: dict[str, int] = {}
    for lab in order:
        for student, t in sorted(times_by_lab[lab].items()):
            deadline = policy.deadline(lab, student)
            entry = LateEntry(student, lab, t.when, deadline, t.origin)
            if deadline is not None and t.when is not None:
                late = (t.when - deadline - policy.grace).total_seconds()
                entry.days_late = max(0, math.ceil(late / 86400))
                remaining = left.setdefault(student, policy.late_days)
                entry.late_days_used = min(remaining, entry.days_late)
                left[student] = remaining - entry.late_days_used
                entry.days_charged = entry.days_late - entry.late_days_used
            entries[(student, lab)] = entry
    return entries


def penalty(policy: Policy, entry: LateEntry | None, score: float, max_score: float) -> float:
    """Points taken off ``score`` for ``entry`` (0 when on time, unknown or without deadline)."""
    if entry is None or not entry.days_charged:
        return 0.0
    plugin = CourseLatePenalty(penalty_per_day=policy.penalty_per_day, max_penalty=policy.max_penalty,
                               max_score=max_score)
    value = plugin.late_submission_penalty(entry.student, score, entry.days_charged * 86400)
    return max(0.0, min(score, value or 0.0))  # as nbgrader's AssignLatePenalties._check_late_penalty


def write_ledger(policy: Policy, entries: dict[tuple[str, str], LateEntry], students: list[str], path: Path) -> Path:
    """One row per student: late days used per lab, in total, and left."""
    labs = sorted({lab for _, lab in entries}, key=lambda lab: (policy.due.get(lab) is None, lab))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", *[f"{lab} days late" for lab in labs],
                         *[f"{lab} late days used" for lab in labs], "late days used", "late days left", "notes"])
        for student in sorted(set(students) | {s for s, _ in entries}):
            mine = [entries.get((student, lab)) for lab in labs]
            used = sum(e.late_days_used for e in mine if e)
            notes = "; ".join(f"{e.lab}: {e.note}" for e in mine if e and e.note)
            writer.writerow([student, *[e.days_late if e else "" for e in mine],
                             *[e.late_days_used if e else "" for e in mine], used, policy.late_days - used, notes])
    return path
