"""Which students handed in the same exercise code: a report that flags pairs, never a penalty.

``python -m autograder similarity LAB`` reads every collected submission of LAB, keeps the
code of its exercise cells (the cells students write), and compares every pair of students
with `copydetect <https://github.com/blingenf/copydetect>`_ (0.5, in the pinned stack):

* **the release's own code is subtracted**, twice: in each exercise cell only the lines the
  student added are kept (a line diff against the release's cell drops the signature, docstring
  and code around the stub, so no k-gram straddles given and written code), and every code cell
  of the release (stubs, worked examples, visible checks) is given to copydetect as boilerplate,
  so code every student received, or copied from a worked example as intended, never matches;
* **normalised**: copydetect tokenises with Pygments' Python lexer and replaces every name by
  one letter (variables ``V``, functions ``F``, classes ``O``), strings by ``S``, and drops
  comments and whitespace, so renamed variables, added comments and another layout still match;
* **order does not matter**: it compares winnowed fingerprints (k-grams of tokens; Schleimer,
  Wilkerson and Aiken, "Winnowing", SIGMOD 2003), a set per file, so moved functions or
  swapped exercise cells still match.

copydetect fits: it is offline, pure Python with a small C extension, and exposes the pieces
(``CodeFingerprint``, ``compare_files``, ``highlight_overlap``) needed to give it our own
boilerplate and to write our own report; its own HTML report is not used because it names
temporary files and embeds matplotlib figures of the whole matrix.

A pair's score is the larger of the two shares of overlapping code (a student who copied two
exercises from a complete submission scores high even though the other's share is low). Pairs
at or above ``--threshold`` (default 0.5) that share at least ``--min-tokens`` normalised
tokens (default 40, so that two honest one-liners are not flagged) are *flagged*. The HTML shows
each flagged pair side by side with the matching code highlighted; the CSV lists every pair.
The threshold is calibrated on honest pairs (lab 01 and lab 05 solved independently from the
student notebook, and the references): they score at most 0.38; renamed and reformatted copies score at
least 0.93, copies of a third to two thirds of the exercises 0.5 to 0.72. Scores are reproducible:
copydetect's k-gram hashes (Python's per-process salted ``hash()``) are replaced by a fixed digest.
The report is a starting point for a conversation: similar code is sometimes honest (a
short exercise has few good answers, students study together), and nothing here changes a grade.
"""
from __future__ import annotations

import contextlib
import csv
import difflib
import hashlib
import html
import itertools
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from autograder.grading.intake import read_submission, release_notebook
from autograder.paths import Course

THRESHOLD = 0.5  # calibrated: tests/test_similarity_calibration.py (honest pairs <= 0.38, copies >= 0.93)
MIN_TOKENS = 40
NOISE = 15      # k: the shortest normalised match (in tokens) that counts
GUARANTEE = 20  # a match this long is always found (winnowing window = GUARANTEE - NOISE + 1)


@dataclass
class Pair:
    a: str
    b: str
    share_a: float   # share of a's own code that matches b
    share_b: float
    tokens: int      # normalised tokens of a that match
    code_a: str = ""  # highlighted HTML
    code_b: str = ""

    @property
    def score(self) -> float:
        return max(self.share_a, self.share_b)


def _own_lines(cell_source: str, given: str | None) -> str:
    """The lines of an exercise cell that the release did not give (the student's own code):
    the stub's signature, docstring and the code around it are dropped line by line (a diff), so
    a k-gram can no longer straddle given and written code and match every student who starts a
    body the same way."""
    if given is None:
        return cell_source.strip()
    mine = cell_source.splitlines()
    matcher = difflib.SequenceMatcher(None, given.splitlines(), mine, autojunk=False)
    kept = [line for tag, _, _, j1, j2 in matcher.get_opcodes() if tag in ("replace", "insert")
            for line in mine[j1:j2]]
    return textwrap.dedent("\n".join(kept)).strip()


def exercise_code(nb, release=None) -> str:
    """The code of the cells a student writes (nbgrader solution cells), in notebook order; with
    ``release``, only the lines the student added to each cell (see :func:`_own_lines`)."""
    given = {} if release is None else {
        cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in release.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade_id")}
    parts = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            grade_id = meta.get("grade_id", "?")
            own = _own_lines(cell.source, given.get(grade_id) if release is not None else None)
            parts.append(f"# ---- exercise {grade_id} ----\n{own}\n")
    return "\n".join(parts)


def _stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little", signed=True)


@contextlib.contextmanager
def _stable_kgram_hashes():
    """copydetect hashes k-grams with Python's ``hash()``, which is salted per process
    (PYTHONHASHSEED): winnowing then keeps other fingerprints in every run and a pair's score
    moves by a few hundredths between two runs on the same files. A keyed-free digest makes the
    report reproducible."""
    import numpy as np
    from copydetect import utils

    def hashed_kgrams(string, k):
        return np.array([_stable_hash(string[i:i + k]) for i in range(len(string) - k + 1)], dtype=np.int64)

    original = utils.hashed_kgrams
    utils.hashed_kgrams = hashed_kgrams
    try:
        yield
    finally:
        utils.hashed_kgrams = original


def release_code(release) -> str:
    """Everything the release gives: each code cell, and its exercise cells laid out as
    :func:`exercise_code` lays out a submission (so the joins between stubs match too)."""
    cells = "\n\n".join(cell.source for cell in release.cells if cell.cell_type == "code")
    return cells + "\n\n" + exercise_code(release)


def compare(codes: dict[str, str], boilerplate: str, noise: int = NOISE, guarantee: int = GUARANTEE):
    """``(pairs, skipped)``: every pair of students compared, and those with no code of their own."""
    import numpy as np
    from copydetect import CodeFingerprint, compare_files
    from copydetect.utils import highlight_overlap

    with tempfile.TemporaryDirectory(prefix="similarity-") as tmp, _stable_kgram_hashes():
        base = Path(tmp) / "release.py"
        base.write_text(boilerplate)
        boiler = CodeFingerprint(str(base), noise, 1).hashes
        prints, skipped = {}, {}
        for student, code in sorted(codes.items()):
            path = Path(tmp) / f"{student}.py"
            path.write_text(code)
            fingerprint = CodeFingerprint(str(path), noise, guarantee - noise + 1, boilerplate=list(boiler))
            if fingerprint.token_coverage < MIN_TOKENS / 2:
                skipped[student] = "no exercise code of their own beyond the release"
                continue
            prints[student] = fingerprint
    pairs = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for a, b in itertools.combinations(sorted(prints), 2):
            overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
            pair = Pair(a, b, float(share_a), float(share_b), int(overlap))
            if overlap:
                pair.code_a = highlight_overlap(prints[a].raw_code, slices_a, "<mark>", "</mark>", escape_html=True)[0]
                pair.code_b = highlight_overlap(prints[b].raw_code, slices_b, "<mark>", "</mark>", escape_html=True)[0]
            pairs.append(pair)
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b)), skipped


def flagged(pairs: list[Pair], threshold: float = THRESHOLD, min_tokens: int = MIN_TOKENS) -> list[Pair]:
    return [p for p in pairs if p.score >= threshold and p.tokens >= min_tokens]


STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:90rem;color:#1a1a1a}
table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.25rem .6rem;text-align:left}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1rem}pre{background:#f6f6f6;padding:.6rem;
overflow-x:auto;font-size:.8rem;line-height:1.3}mark{background:#ffd54f;color:#000}
.note{background:#eef4ff;padding:.6rem 1rem;border-left:4px solid #4a78c2}"""


def write_report(lab: str, pairs: list[Pair], skipped: dict[str, str], out_dir: Path, threshold: float,
                 min_tokens: int) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = out_dir / f"{lab}_similarity.csv", out_dir / f"{lab}_similarity.html"
    hits = flagged(pairs, threshold, min_tokens)
    with csv_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_a", "student_b", "score", "share_a", "share_b", "matching_tokens", "flagged"])
        for p in pairs:
            writer.writerow([p.a, p.b, f"{p.score:.3f}", f"{p.share_a:.3f}", f"{p.share_b:.3f}", p.tokens,
                             "yes" if p in hits else "no"])
    esc = html.escape
    rows = "".join(f"<tr><td><a href='#{esc(p.a)}--{esc(p.b)}'>{esc(p.a)} and {esc(p.b)}</a></td>"
                   f"<td>{p.score:.0%}</td><td>{p.share_a:.0%} / {p.share_b:.0%}</td><td>{p.tokens}</td></tr>"
                   for p in hits)
    sections = "".join(
        f"<section id='{esc(p.a)}--{esc(p.b)}'><h3>{esc(p.a)} and {esc(p.b)}: {p.score:.0%}</h3>"
        f"<div class='pair'><div><h4>{esc(p.a)} ({p.share_a:.0%} of their code matches)</h4><pre>{p.code_a}</pre></div>"
        f"<div><h4>{esc(p.b)} ({p.share_b:.0%} of their code matches)</h4><pre>{p.code_b}</pre></div></div></section>"
        for p in hits)
    skipped_list = "".join(f"<li>{esc(s)}: {esc(why)}</li>" for s, why in sorted(skipped.items()))
    compared = len({s for p in pairs for s in (p.a, p.b)})
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Similarity report: {esc(lab)}</title><style>{STYLE}</style></head><body>
<h1>Similarity report: {esc(lab)}</h1>
<p class="note">This report flags; it never penalises. Similar code is sometimes honest (short exercises have
few good answers). Read the highlighted code and talk to the students before drawing any conclusion.</p>
<p>{compared} students compared ({len(pairs)} pairs), exercise cells only, the release's own code subtracted,
names and layout normalised. Flagged: score at least {threshold:.0%} and at least {min_tokens} matching tokens.</p>
<h2>Flagged pairs ({len(hits)})</h2>
{"<table><tr><th>pair</th><th>score</th><th>share of each</th><th>matching tokens</th></tr>" + rows + "</table>"
 if hits else "<p>None.</p>"}
{"<h2>Not compared</h2><ul>" + skipped_list + "</ul>" if skipped else ""}
<h2>Matching code, side by side</h2>{sections or "<p>Nothing to show.</p>"}
</body></html>"""
    html_path.write_text(page)
    return html_path, csv_path


def run(lab: str, course_dir: Path, out_dir: Path | None = None, threshold: float = THRESHOLD,
        min_tokens: int = MIN_TOKENS) -> tuple[Path, Path, list[Pair], dict[str, str]]:
    """Compare every collected submission of ``lab``; returns the report paths, the flagged pairs
    and the students not compared (with the reason)."""
    if not 0 < threshold <= 1:
        raise ValueError(f"--threshold must be a share between 0 and 1 (e.g. 0.5), got {threshold!r}")
    course = Course(course_dir)
    release = release_notebook(course_dir, lab)
    codes, skipped = {}, {}
    for student in course.students_with_submissions(lab):
        nb, problem = read_submission(course.submitted(student, lab))
        if problem:
            skipped[student] = problem
            continue
        codes[student] = exercise_code(nb, release)
    pairs, no_code = compare(codes, release_code(release))
    skipped.update(no_code)
    out_dir = Path(out_dir) if out_dir else course.reports(lab)
    html_path, csv_path = write_report(lab, pairs, skipped, out_dir, threshold, min_tokens)
    return html_path, csv_path, flagged(pairs, threshold, min_tokens), skipped
