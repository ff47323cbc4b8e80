"""Manual grading in a real browser: a written answer of lab 09 graded in nbgrader's formgrader reaches the export.

The course is started by the instructor command's own code (:mod:`autograder.semester.formgrader`),
on a scratch course where one student's lab 09 (the blank release plus a written answer) is
autograded. Headless Chromium (Debian's, driven by Playwright, as in tests/test_browser.py;
installed by scripts/setup-browser.sh) opens formgrader's manual-grading list, the student's
submission, finds the answer, types a score; ``export`` then shows it.
"""
from __future__ import annotations

import contextlib
import copy
import csv
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from autograder.build import build_lab
from autograder.grading.run import grade_class
from autograder.notebooks import graded_cells
from autograder.outcomes import write_outcomes
from autograder.paths import REPO, Course, init_course_dir
from autograder.semester import formgrader

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("formgrader")]

LAB = "09_high_performance_modeling"
ANSWER_ID = "bottlenecks"
ANSWER = "The map step is the bottleneck: it decodes one element at a time, so parallel map helps most."
CHROMIUM = "/usr/bin/chromium"
MATHJAX_CDN = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/"
ARTIFACTS = REPO / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(course, *args):
    result = subprocess.run([sys.executable, "-m", "autograder", "--course-dir", str(course), *args],
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def export_row(course, student):
    out = course / "grades.csv"
    result = cli(course, "export", LAB, "--to", str(out))
    with out.open(newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}[student], result.stderr


@pytest.fixture(scope="module")
def graded_answer(tmp_path_factory):
    course = init_course_dir(tmp_path_factory.mktemp("course"))
    build_lab(LAB, course, course / "labs")
    release = nbformat.read(Course(course).release(LAB), as_version=4)
    nb = copy.deepcopy(release)
    cells = graded_cells(nb)
    assert cells[ANSWER_ID].cell_type == "markdown" and cells[ANSWER_ID].source.strip() == "YOUR ANSWER HERE"
    cells[ANSWER_ID].source = ANSWER
    path = Course(course).submitted("ana", LAB)
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    [outcome] = grade_class(LAB, course, ["ana"])
    write_outcomes([outcome], Course(course).outcomes(LAB))
    return course


@pytest.fixture(scope="module")
def server(graded_answer, tmp_path_factory):
    setup = subprocess.run(["bash", str(REPO / "scripts" / "setup-browser.sh")], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, env={**os.environ, "PYTHON": sys.executable}, check=False)
    assert setup.returncode == 0, f"scripts/setup-browser.sh failed:\n{setup.stdout}\n{setup.stderr}"
    port, token = _free_port(), "formgrader-test-token"
    log_path = tmp_path_factory.mktemp("formgrader") / "server.log"
    with log_path.open("w") as log:
        process, url = formgrader.start(graded_answer, port, token, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(OSError), \
                    urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as response:
                if response.status == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the formgrader server did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield {"base": base, "token": token, "url": url, "course": graded_answer, "log": log_path}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_the_written_answer_waits_for_a_grade_before(graded_answer):
    row, warnings = export_row(graded_answer, "ana")
    assert f"written answer(s) not graded yet: {ANSWER_ID}" in row["message"], row
    assert "formgrader" in warnings


def test_a_grade_entered_in_formgrader_reaches_the_export(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    before, _ = export_row(server["course"], "ana")
    blocked = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--disable-quic"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})

        def route(r):
            if r.request.url.startswith(server["base"]) or r.request.url.startswith(("data:", "blob:", "about:")):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        # log in as an instructor does (the token on Jupyter's login page), landing on manual grading
        page.goto(f"{server['base']}/login?next=/formgrader/gradebook/{LAB}/{LAB}", wait_until="load")
        page.fill("input[name=password]", server["token"])
        page.click("#login_submit")
        page.wait_for_url(f"**/formgrader/gradebook/{LAB}/{LAB}")
        link = page.locator("a.name-shown, a.name-hidden").first
        link.wait_for(state="attached", timeout=60_000)
        href = link.get_attribute("href")
        page.goto(href if href.startswith("http") else server["base"] + href, wait_until="load")
        page.get_by_text("The map step is the bottleneck").first.wait_for(timeout=60_000)
        score = page.locator(f"input.score#{ANSWER_ID}")
        score.wait_for(timeout=30_000)
        with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT",
                                  timeout=30_000) as saved:
            score.fill("1.5")
            score.press("Tab")  # formgrader saves the grade when the field changes
        assert saved.value.status == 200, saved.value.status
        page.screenshot(path=str(ARTIFACTS / "formgrader-written-answer.png"), full_page=False)
        context.close()
        browser.close()
    # nbgrader's formgrade page asks cdnjs for MathJax (nbconvert's mathjax macro): blocked here, so
    # formulas in answers are shown as typed; nothing else may come from outside
    outside = sorted({url for url in blocked if not url.startswith(MATHJAX_CDN)})
    assert not outside, f"formgrader loaded from outside (offline): {outside[:5]}"

    deadline = time.monotonic() + 30  # the save is an HTTP request the page made; give it a moment
    while True:
        row, _ = export_row(server["course"], "ana")
        if float(row["score"]) == float(before["score"]) + 1.5 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert float(row["score"]) == float(before["score"]) + 1.5, (before, row)
    assert "not graded yet" not in row["message"], row
