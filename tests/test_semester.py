"""A semester on a sample class of lab 01: roster, late policy, Canvas and Moodle files, similarity, regrade.

One class is graded once for the module (about a minute on two cores), through the instructor
commands, as an instructor would run them:

* the lab is first built from a copy of its source with a *wrong* hidden test (run_counter's
  start value off by one), so every correct counter loses its point; ``regrade`` later
  rebuilds from the real source and must give those points back, and say why;
* submissions come in an LMS zip whose entry times are the submission times; a roster and a
  late policy sit in the course directory;
* bob, carol and alice solved the exercises independently (tests/similarity_corpus.py); dave,
  erin and frank handed in planted copies (renamed, reordered, reformatted), mallory is not on
  the roster, olga never submitted, gina handed in the blank release.
"""
from __future__ import annotations

import copy
import csv
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from similarity_corpus import HONEST, reformatted, renamed, reordered

from autograder.build import build_lab, source_notebook
from autograder.notebooks import graded_cells
from autograder.paths import SOLUTIONS, Course, init_course_dir
from autograder.semester.late_policy import (
    Policy,
    SubmissionTime,
    ledger,
    parse_time,
    penalty,
    read_policy,
    submission_times,
)
from autograder.semester.roster import RosterError, read_roster
from autograder.tools.synthetic import solved
from helpers import CLASS_LAB as LAB
from helpers import FULL, autograded_points

pytestmark = pytest.mark.xdist_group("semester")  # one worker grades the class once (tests using it: slow)

RIGHT = "list(range(11, 16))"
WRONG = "list(range(10, 15))"  # the hidden test's bug: run_counter(5, start=10) does end at 15

ROSTER = """student_id,lms_id,name,section,email,sis_user_id,sis_login_id
alice,101,"Andrade, Alice",Section A,alice@uni.example,S101,alice
bob,102,"Barros, Bob",Section A,bob@uni.example,S102,bob
carol,103,"Costa, Carol",Section B,carol@uni.example,S103,carol
dave,104,"Dias, Dave",Section B,dave@uni.example,S104,dave
erin,105,"Esteves, Erin",Section A,erin@uni.example,S105,erin
frank,106,"Faria, Frank",Section B,frank@uni.example,S106,frank
gina,107,"Gomes, Gina",Section A,gina@uni.example,S107,gina
olga,108,"Oliveira, Olga",Section B,olga@uni.example,S108,olga
"""

POLICY = f"""# the sample class's late policy
time_zone = "America/Sao_Paulo"
grace_minutes = 10
penalty_per_day = 10
max_penalty = 30
late_days = 2

[due]
{LAB} = "2026-09-14 23:59"

[extensions.erin]
{LAB} = "2026-09-20 23:59"
"""

SUBMITTED = {  # zip entry time (local time of the policy), as the LMS wrote it
    "alice": (2026, 9, 14, 20, 0, 0),    # on time
    "bob": (2026, 9, 15, 10, 0, 0),      # 1 day late: one late day
    "carol": (2026, 9, 17, 23, 0, 0),    # 3 days late: two late days, one day at 10%
    "dave": (2026, 9, 15, 0, 6, 0),      # 7 minutes late: within the 10-minute grace
    "erin": (2026, 9, 19, 12, 0, 0),     # late, but her extension runs to the 20th
    "frank": (2026, 9, 25, 9, 0, 0),     # 11 days late: two late days, nine days capped at 30%
    "gina": (2026, 9, 14, 22, 0, 0),     # the blank release, on time
    "mallory": (2026, 9, 14, 21, 0, 0),  # not on the roster
}

COUNTER = autograded_points(exercises={"counter"})  # what the wrong hidden test takes from every correct counter
HONEST_POINTS = autograded_points(exercises=set(HONEST["bob"]))  # bob and carol solved the same exercises
assert set(HONEST["carol"]) == set(HONEST["bob"])


def late(raw: float, percent: float) -> tuple[float, float]:
    """(raw score, penalty): the policy takes ``percent`` of the lab's points, never more than the score."""
    return raw, round(min(raw, FULL * percent / 100), 2)


# score before the regrade (counter's wrong hidden test fails every correct counter), penalty
BEFORE = {"alice": late(FULL - COUNTER, 0), "bob": late(HONEST_POINTS - COUNTER, 0),
          "carol": late(HONEST_POINTS - COUNTER, 10),  # one day penalised at 10%
          "dave": late(HONEST_POINTS - COUNTER, 0), "erin": late(HONEST_POINTS - COUNTER, 0),
          "frank": late(FULL - COUNTER, 30),  # nine days penalised, capped at 30%
          "gina": (0, 0), "mallory": late(FULL - COUNTER, 0)}


def final(student: str) -> str:
    """The student's score after the penalty, as the LMS files write it."""
    raw, taken = BEFORE[student]
    return f"{round(raw - taken, 2):g}"


CANVAS = f"""Student,ID,SIS User ID,SIS Login ID,Section,{LAB}
Points Possible,,,,,{FULL}
"Andrade, Alice",101,S101,alice,Section A,{final("alice")}
"Barros, Bob",102,S102,bob,Section A,{final("bob")}
"Costa, Carol",103,S103,carol,Section B,{final("carol")}
"Dias, Dave",104,S104,dave,Section B,{final("dave")}
"Esteves, Erin",105,S105,erin,Section A,{final("erin")}
"Faria, Frank",106,S106,frank,Section B,{final("frank")}
"Gomes, Gina",107,S107,gina,Section A,0
"Oliveira, Olga",108,S108,olga,Section B,0
"""


def cli(course, *args, check=True):
    result = subprocess.run([sys.executable, "-m", "autograder", "--course-dir", str(course), *args],
                            capture_output=True, text=True, timeout=1200, check=False)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def with_code(release, codes: dict[str, str], transform=lambda code: code):
    nb = copy.deepcopy(release)
    for grade_id, cell in graded_cells(nb).items():
        if grade_id in codes:
            cell.source = transform(codes[grade_id])
    return nb


def read_csv(path):
    with Path(path).open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def semester(tmp_path_factory):
    solutions = tmp_path_factory.mktemp("solutions")
    text = (SOLUTIONS / f"{LAB}.py").read_text()
    assert text.count(RIGHT) == 1
    (solutions / f"{LAB}.py").write_text(text.replace(RIGHT, WRONG))
    course = init_course_dir(tmp_path_factory.mktemp("course"))  # the default per-cell limit: no student hangs
    build_lab(LAB, course, course / "labs", solutions)
    (course / "roster.csv").write_text(ROSTER)
    (course / "late_policy.toml").write_text(POLICY)

    release = nbformat.read(Course(course).release(LAB), as_version=4)
    reference = solved(release, source_notebook(LAB))
    reference_code = {k: c.source for k, c in graded_cells(reference).items() if c.metadata["nbgrader"]["solution"]}
    notebooks = {
        "alice": reference,
        "bob": with_code(release, HONEST["bob"]),
        "carol": with_code(release, HONEST["carol"]),
        "dave": with_code(release, HONEST["bob"], renamed),
        "erin": with_code(release, HONEST["carol"], reordered),
        "frank": with_code(release, reference_code, reformatted),
        "gina": release,
        "mallory": reference,
    }
    archive = tmp_path_factory.mktemp("lms") / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for student, nb in notebooks.items():
            handle.writestr(zipfile.ZipInfo(f"{student}_{LAB}.ipynb", SUBMITTED[student]), nbformat.writes(nb))

    graded = cli(course, "grade", LAB, str(archive), "--jobs", "2")
    outputs = {"grade": graded.stdout + graded.stderr}
    for fmt in ("canvas", "moodle"):
        result = cli(course, "export", LAB, "--format", fmt)
        outputs[fmt] = result.stdout + result.stderr
    result = cli(course, "export", "--all", "--format", "canvas", "--to", str(course / "course-export"))
    outputs["all"] = result.stdout + result.stderr
    result = cli(course, "similarity", LAB)
    outputs["similarity"] = result.stdout
    exports = Course(course).exports_dir
    return {"course": course, "solutions": solutions, "out": outputs, "csv": read_csv(exports / f"{LAB}_grades.csv"),
            "canvas": (exports / f"{LAB}_canvas.csv").read_text(), "moodle": read_csv(exports / f"{LAB}_moodle.csv"),
            "ledger": read_csv(exports / "late_days.csv"),
            "course_canvas": course / "course-export" / "course_canvas.csv",
            "similarity": read_csv(Course(course).reports(LAB) / f"{LAB}_similarity.csv"),
            "similarity_html": (Course(course).reports(LAB) / f"{LAB}_similarity.html").read_text()}


# --------------------------------------------------------------------------- grades and the late policy

@pytest.mark.slow
def test_the_csv_shows_raw_score_penalty_and_final_score(semester):
    rows = {row["student_id"]: row for row in semester["csv"]}
    assert sorted(rows) == sorted([*BEFORE, "olga"]), semester["out"]["grade"]
    for student, (raw, taken) in BEFORE.items():
        row = rows[student]
        got = (float(row["raw_score"]), float(row["late_penalty"]), float(row["score"]))
        assert got == (raw, taken, raw - taken), row
        assert float(row["max_score"]) == FULL
    assert rows["olga"]["status"] == "not submitted" and float(rows["olga"]["score"]) == 0
    assert rows["mallory"]["on_roster"] == "no" and rows["alice"]["on_roster"] == "yes"
    assert rows["carol"]["days_late"] == "3" and rows["carol"]["late_days_used"] == "2"
    assert "1 day(s) penalised" in rows["carol"]["message"]
    assert rows["dave"]["days_late"] == "0", "7 minutes late is within the 10-minute grace"
    assert rows["erin"]["days_late"] == "0", "erin's extension runs to the 20th"


@pytest.mark.slow
def test_the_canvas_file_is_canvas_gradebook_layout(semester):
    assert semester["canvas"] == CANVAS
    rows = list(csv.reader(io.StringIO(semester["canvas"])))
    # the rules of Canvas's importer (instructure/canvas-lms, app/models/gradebook_importer.rb):
    header = rows[0]
    assert len(header) > 3 and re.search("Student", header[0]) and re.search("ID", header[1])
    assert re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3])
    assert re.search("Section", header[4]), "the last student column must be Section"
    assert re.search("Points Possible", rows[1][0])
    assert all(row[1].isdigit() for row in rows[2:]), "the ID column holds Canvas's user ids"


@pytest.mark.slow
def test_the_moodle_file_has_identifier_columns_and_one_column_per_lab(semester):
    rows = semester["moodle"]
    assert list(rows[0]) == ["ID number", "Email address", "Full name", LAB]
    by_mail = {row["Email address"]: row for row in rows}
    assert by_mail["carol@uni.example"][LAB] == final("carol") and by_mail["carol@uni.example"]["ID number"] == "103"
    assert len(rows) == 8, "every roster student, and nobody else"


@pytest.mark.slow
def test_nobody_is_dropped_silently(semester):
    for key in ("canvas", "moodle"):
        said = semester["out"][key]
        assert re.search(r"roster\.csv: no row for student 'mallory'", said), said
        assert "olga (Oliveira, Olga) is on the roster but has no submission" in said
    assert "mallory" not in semester["canvas"]


@pytest.mark.slow
def test_the_ledger_shows_late_days_used_and_left(semester):
    rows = {row["student_id"]: row for row in semester["ledger"]}
    used_left = {s: (int(r["late days used"]), int(r["late days left"])) for s, r in rows.items()}
    assert used_left["bob"] == (1, 1) and used_left["carol"] == (2, 0) and used_left["frank"] == (2, 0)
    assert used_left["alice"] == (0, 2) and used_left["olga"] == (0, 2)


@pytest.mark.slow
def test_penalties_are_applied_once(semester):
    result = cli(semester["course"], "export", LAB, "--to", str(semester["course"] / "again.csv"))
    again = {row["student_id"]: row["score"] for row in read_csv(semester["course"] / "again.csv")}
    assert again == {row["student_id"]: row["score"] for row in semester["csv"]}, result.stderr


@pytest.mark.slow
def test_the_course_wide_export_has_a_column_per_lab(semester):
    rows = list(csv.reader(semester["course_canvas"].open()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", LAB]
    assert rows[1][0] == "Points Possible" and len(rows) == 10


# --------------------------------------------------------------------------- similarity

@pytest.mark.slow
def test_similarity_flags_the_planted_copies_and_no_honest_pair(semester):
    flagged = {(row["student_a"], row["student_b"]): float(row["score"]) for row in semester["similarity"]
               if row["flagged"] == "yes"}
    copies = {("bob", "dave"), ("carol", "erin"), ("alice", "frank"), ("alice", "mallory"), ("frank", "mallory")}
    assert set(flagged) == copies, semester["out"]["similarity"]
    assert min(flagged.values()) > 0.9
    honest = {(r["student_a"], r["student_b"]): float(r["score"]) for r in semester["similarity"]
              if {r["student_a"], r["student_b"]} in ({"alice", "bob"}, {"alice", "carol"}, {"bob", "carol"})}
    assert len(honest) == 3 and max(honest.values()) < 0.5, honest
    assert not any("gina" in (r["student_a"], r["student_b"]) for r in semester["similarity"]), \
        "the blank release has no code of its own to compare"


@pytest.mark.slow
def test_the_similarity_report_shows_matching_code_side_by_side(semester):
    page = semester["similarity_html"]
    assert "flags; it never penalises" in page
    section = page.split("id='bob--dave'")[1].split("</section>")[0]
    assert "<mark>" in section and "inp_x" in section and "px" in section  # dave renamed bob's px to inp_x
    assert "Not compared" in page and "gina" in page


# --------------------------------------------------------------------------- regrade

@pytest.fixture(scope="module")
def regraded(semester):
    from autograder.gradebook import open_gradebook

    course = semester["course"]
    with open_gradebook(course) as gb:  # the instructor overrides one autograde by hand
        grade = gb.find_grade("derivatives_tests", LAB, LAB, "alice")
        grade.manual_score, grade.needs_manual_grade = 2.5, False
        gb.db.commit()
    result = cli(course, "regrade", LAB, "--jobs", "2", "--labs-dir", str(course / "labs"))
    with open_gradebook(course) as gb:
        grade = gb.find_grade("derivatives_tests", LAB, LAB, "alice")
        kept = (grade.manual_score, grade.needs_manual_grade)
    reports = Course(course).reports(LAB)
    return {"out": result.stdout, "rows": read_csv(reports / f"{LAB}_regrade.csv"),
            "html": (reports / f"{LAB}_regrade.html").read_text(), "kept": kept, "course": course}


@pytest.mark.slow
def test_regrade_gives_back_the_points_of_the_fixed_test(regraded):
    totals = {r["student_id"]: (float(r["old_score"]), float(r["new_score"])) for r in regraded["rows"]
              if r["cell"] == "(total)"}
    alice = FULL - autograded_points(exercises={"derivatives"}) + 2.5  # her derivatives were marked 2.5 by hand
    honest = (HONEST_POINTS - COUNTER, HONEST_POINTS)
    expected = {"alice": (alice - COUNTER, alice), "bob": honest, "carol": honest, "dave": honest, "erin": honest,
                "frank": (FULL - COUNTER, FULL), "gina": (0, 0), "mallory": (FULL - COUNTER, FULL)}
    assert totals == expected, regraded["out"]
    cells = {(r["student_id"], r["cell"]): r for r in regraded["rows"] if not r["cell"].startswith("(")}
    assert set(cells) == {(s, "counter_tests") for s in expected if s != "gina"}
    statuses = {r["student_id"]: r["why"] for r in regraded["rows"] if r["cell"] == "(status)"}
    assert statuses == {s: "graded-with-errors -> graded" for s in ("alice", "frank", "mallory")}, statuses
    why = cells[("bob", "counter_tests")]["why"]
    assert "its tests changed in the source" in why and "now passes" in why and "CheckFailed" in why, why


@pytest.mark.slow
def test_regrade_keeps_manual_grades(regraded):
    assert regraded["kept"] == (2.5, False)


@pytest.mark.slow
def test_regrade_report_is_html_too(regraded):
    assert "Regrade of" in regraded["html"] and "7 total(s) changed" in regraded["html"]
    assert "1 manual grade(s) kept as final" in regraded["html"]
    assert "release changed" not in regraded["html"], "only a hidden test changed: the students' copy did not"


# --------------------------------------------------------------------------- bad input: one line, no traceback

def one_line_error(result) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.mark.parametrize("roster, words", [
    ("student_id,lms_id,name,section\nalice,1,A,S\n",
     ["row 1 (header)", "missing column(s) email", "student_id, lms_id"]),
    ("student_id,lms_id,name,section,email\nalice,1,A,S,a@x.org\nbad id,2,B,S,b@x.org\n",
     ["row 3", "'bad id' is not allowed", "letters, digits"]),
    ("student_id,lms_id,name,section,email\nalice,1,A,S,a@x.org\nalice,2,B,S,b@x.org\n", ["row 3", "appears twice"]),
    ("student_id,lms_id,name,section,email\nalice,1,A,S,not-an-address\n", ["row 2", "not an e-mail address"]),
])
def test_a_bad_roster_gets_one_line_naming_file_and_row(tmp_path, roster, words):
    (tmp_path / "roster.csv").write_text(roster)
    line = one_line_error(cli(tmp_path, "export", LAB, "--format", "canvas", check=False))
    assert str(tmp_path / "roster.csv") in line
    for word in words:
        assert word in line, line
    with pytest.raises(RosterError):
        read_roster(tmp_path / "roster.csv")


@pytest.mark.parametrize("policy, words", [
    (f'time_zone = "UTC"\n[due]\n{LAB} = "14/09/2026 23:59"\n', [f"[due] {LAB}", "'14/09/2026 23:59' is not a date",
                                                                "YYYY-MM-DD HH:MM"]),
    ('time_zone = "Mars/Olympus"\n', ["'Mars/Olympus' is not a time zone", "IANA"]),
    ('time_zone = "UTC"\n[due]\n99_nothing = "2026-09-14 23:59"\n', ["[due] 99_nothing", "no such lab"]),
    ('time_zone = "UTC"\npenalty_per_day = 150\n', ["penalty_per_day = 150", "from 0 to 100"]),
    ('time_zone = "UTC"\nlate_day = 3\n', ["unknown setting(s) late_day", "late_days"]),
    ('time_zone = "UTC"\n[due\n', ["not valid TOML", "line 2"]),
])
def test_a_bad_late_policy_gets_one_line_naming_file_and_entry(tmp_path, policy, words):
    (tmp_path / "late_policy.toml").write_text(policy)
    line = one_line_error(cli(tmp_path, "export", LAB, check=False))
    assert str(tmp_path / "late_policy.toml") in line
    for word in words:
        assert word in line, line


def test_an_unparseable_submission_time_gets_one_line(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), inbox / f"alice_{LAB}.ipynb")
    (tmp_path / "times.csv").write_text("student_id,submitted_at\nalice,2026-09-14 23:00\nbob,yesterday\n")
    line = one_line_error(cli(tmp_path / "course", "collect", LAB, str(inbox), "--times", str(tmp_path / "times.csv"),
                              check=False))
    assert "times.csv, row 3 (submitted_at): 'yesterday' is not a date" in line


# --------------------------------------------------------------------------- the rules, unit by unit

def test_zip_entry_times_are_trusted_and_folder_mtimes_are_not(tmp_path):
    zone = read_policy_zone()
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(zipfile.ZipInfo("ana_lab.ipynb", (2026, 9, 14, 23, 0, 0)), "{}")
        handle.writestr(zipfile.ZipInfo("ana_lab (1).ipynb", (2026, 9, 15, 1, 0, 0)), "{}")
    times = submission_times(archive, zone)
    assert times["ana"].when == parse_time("2026-09-15 01:00", zone, "test"), "the latest of her notebooks counts"
    folder = tmp_path / "folder"
    (folder / "ana").mkdir(parents=True)
    (folder / "ana" / "lab.ipynb").write_text("{}")
    (folder / "bea").mkdir()
    (folder / "bea" / "lab.ipynb").write_text("{}")
    (folder / "bea" / "timestamp.txt").write_text("2026-09-14 22:15:00.000000 UTC")
    times = submission_times(folder, zone)
    assert times["ana"].when is None and "not trusted" in times["ana"].origin
    assert times["bea"].when == parse_time("2026-09-14T22:15:00+00:00", zone, "test")


def read_policy_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/Sao_Paulo")


def test_late_days_are_spent_oldest_deadline_first_and_the_penalty_is_capped(tmp_path):
    zone = read_policy_zone()
    def due(text):
        return parse_time(text, zone, "test")

    policy = Policy(tmp_path, zone, penalty_per_day=25, max_penalty=60, late_days=2,
                    due={"02_keras_apis": due("2026-09-21 23:59"),
                         "01_tensorflow_foundations": due("2026-09-14 23:59")})
    times = {"01_tensorflow_foundations": {"ana": SubmissionTime("ana", due("2026-09-16 12:00"), "zip")},
             "02_keras_apis": {"ana": SubmissionTime("ana", due("2026-09-26 12:00"), "zip")}}
    entries = ledger(policy, times)
    first, second = entries[("ana", "01_tensorflow_foundations")], entries[("ana", "02_keras_apis")]
    assert (first.days_late, first.late_days_used, first.days_charged) == (2, 2, 0)
    assert (second.days_late, second.late_days_used, second.days_charged) == (5, 0, 5)
    assert penalty(policy, second, score=10, max_score=20) == 10, "60% of 20 is 12, but never more than the score"
    assert penalty(policy, second, score=20, max_score=20) == 12
    assert penalty(policy, first, score=20, max_score=20) == 0


def test_policy_file_reads_dates_with_and_without_offsets(tmp_path):
    path = tmp_path / "late_policy.toml"
    path.write_text(f'time_zone = "Europe/Lisbon"\n[due]\n{LAB} = "2026-09-14T23:59:00+00:00"\n'
                    f'[extensions.ana]\n{LAB} = 2026-09-16 12:00:00\n')
    policy = read_policy(path)
    assert policy.deadline(LAB, "bea").utcoffset().total_seconds() == 0
    assert policy.deadline(LAB, "ana").tzinfo.key == "Europe/Lisbon"
