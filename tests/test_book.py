"""The course site (book/): built offline from the labs present, student edition only.

The site is built once per test process by ``book/build.py`` (which skips the build when
nothing changed since the last one, and reuses executed notebooks from its cache); the
browser tests (test_browser.py) use the same build.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from book_helpers import LABS, book_build, build_report, built_site, markdown_headings, plain, release_of

REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
OKABE_ITO_EXTRA_OK = {"#ffffff", "#000000"}
# Colormaps that stay readable with the common forms of colour blindness.
SAFE_COLORMAPS = {"viridis", "cividis", "magma", "inferno", "plasma", "gray", "grey", "binary", "bone",
                  "Greys", "Blues", "Oranges", "Purples", "Greens", "BuPu", "PuBu", "YlGnBu", "YlOrBr",
                  "PuOr", "BrBG", "RdBu", "coolwarm", "twilight"}


def lab_param(lab):
    return pytest.param(lab, id=lab)


@pytest.fixture(scope="module")
def site() -> Path:
    return built_site()


# one worker for the whole file under `pytest -n N --dist loadgroup` (the build is shared)
pytestmark = pytest.mark.xdist_group("book")


class PageParser(HTMLParser):
    """Headings, images and visible text of a built page's article."""

    def __init__(self):
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.images: list[dict] = []
        self.text: list[str] = []
        self._heading: list | None = None
        self._article = 0        # > 0 inside the page's <article> (the content, not the navigation)
        self._skip = 0           # > 0 inside script/style

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "article":
            self._article += 1
        if not self._article:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [int(tag[1]), ""]
        if tag == "img":
            self.images.append(attrs)

    def handle_startendtag(self, tag, attrs):
        if tag not in ("script", "style", "article"):
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag == "article":
            self._article -= 1
        if self._heading and re.fullmatch(r"h[1-6]", tag):
            self.headings.append((self._heading[0], " ".join(self._heading[1].replace("#", " ").split())))
            self._heading = None

    def handle_data(self, data):
        if self._article and not self._skip:
            self.text.append(data)
            if self._heading is not None:
                self._heading[1] += data


def parse_page(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def secret_lines(lab: str) -> set[str]:
    """Lines found only inside the solution and hidden-test regions of a lab's source."""
    text = (book_build.SOLUTIONS / f"{lab}.py").read_text()
    inside = {line.strip() for match in REGION.finditer(text) for line in match.group(2).splitlines()}
    outside = {line.strip() for line in REGION.sub("", text).splitlines()}
    return {line for line in inside - outside if len(line) >= 12 and not line.startswith("#")}


def untagged(path: Path) -> str:
    """A page's text as written, tags removed (code stays contiguous, unlike PageParser.text)."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def site_text(html_dir: Path) -> dict[Path, str]:
    """Every text file of the site (pages, search index, copied sources), tags removed."""
    out = {}
    for path in html_dir.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".js", ".ipynb", ".txt", ".md", ".json") \
                and "_static" not in path.relative_to(html_dir).parts:
            raw = path.read_text(encoding="utf-8", errors="replace")
            out[path] = html.unescape(re.sub(r"<[^>]+>", "", raw))
    return out


# --------------------------------------------------------------------------- the site as a whole

def test_there_are_labs_to_publish():
    assert LABS, "no lab in solutions/: the book would have no lab page"


@pytest.mark.slow  # builds the book
def test_every_page_is_built(site):
    for page in ("index.html", "intro.html", "setup.html", "syllabus.html", "grading.html", "references.html"):
        assert (site / page).is_file(), f"{page} is missing from the built site"
    for lab in LABS:
        assert (site / "labs" / f"{lab}.html").is_file(), f"no page for lab {lab}: expected labs/{lab}.html"


@pytest.mark.slow  # builds the book
def test_headings_are_in_order_on_every_page(site):
    for path in sorted(site.rglob("*.html")):
        if path.name in ("index.html", "genindex.html", "search.html") or "_static" in path.parts:
            continue  # index.html only redirects to the landing page
        levels = [level for level, _ in parse_page(path).headings]
        name = path.relative_to(site)
        assert levels, f"{name} has no heading"
        assert levels[0] == 1 and levels.count(1) == 1, f"{name}: one h1 first, got levels {levels}"
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, f"{name}: heading level jumps from h{before} to h{after} ({levels})"


@pytest.mark.slow  # builds the book
def test_syllabus_lists_every_lab_with_objectives_and_time(site):
    text = " ".join(parse_page(site / "syllabus.html").text)
    page = (site / "syllabus.html").read_text()
    for lab in LABS:
        assert f'href="labs/{lab}.html"' in page, f"the syllabus does not link to lab {lab}"
    for info in build_report()["labs"]:
        assert info["objectives"], f"{info['lab']}: no learning objectives found for the syllabus"
        assert f"about {book_build.format_minutes(info['minutes'])}" in text, f"{info['lab']}: no time in the syllabus"
        assert plain(info["objectives"][0].replace("`", "").replace("*", ""))[:30] in plain(text), \
            f"{info['lab']}: its objectives are not in the syllabus"
    for week in range(1, 13):
        assert f"{week:02d}" in text, f"week {week:02d} missing from the syllabus"


@pytest.mark.slow  # builds the book
def test_grading_guide_documents_every_instructor_command(site):
    from autograder.cli import parser

    text = " ".join(parse_page(site / "grading.html").text)
    sub = next(a for a in parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    for command in sub.choices:
        assert f"python -m autograder {command}" in text, f"the grading guide does not show `{command}`"
    for command in ("build", "release", "collect", "autograde", "feedback", "export", "grade",
                    "selfcheck", "benchmark"):
        assert command in sub.choices, f"autograder has no `{command}` command any more"


@pytest.mark.slow  # builds the book
def test_references_cover_every_week(site):
    headings = [text for level, text in parse_page(site / "references.html").headings if level == 2]
    for week in range(1, 13):
        assert any(h.startswith(f"Week {week:02d}") for h in headings), f"references: no section for week {week:02d}"


@pytest.mark.slow  # builds the book
def test_site_has_no_traceback_and_no_solution_marker(site):
    for path, text in site_text(site).items():
        for marker in ("Traceback (most recent call last)", "BEGIN SOLUTION", "END SOLUTION",
                       "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{path.relative_to(site)} contains {marker!r}"


# --------------------------------------------------------------------------- each lab page

@pytest.mark.slow  # builds the book
@pytest.mark.parametrize("lab", [lab_param(lab) for lab in LABS])
def test_lab_page_holds_no_solution_code_and_no_hidden_test(site, lab):
    # a line of a solution or hidden test that is also in the release (the same words in the
    # narrative or a worked example, say) gives nothing away; the release itself is checked by
    # the lab contract
    release = "\n".join(cell.source for cell in release_of(lab).cells)
    secrets = {line for line in secret_lines(lab) if line not in release}
    texts = {path: text for path, text in site_text(site).items() if lab in path.name}
    assert texts, f"no file of the site is about {lab}"
    for path, text in texts.items():  # the page and its copied source
        leaked = sorted(line for line in secrets if line in text)
        assert not leaked, f"{path.relative_to(site)}: solution or hidden-test lines of {lab}: {leaked[:3]}"


@pytest.mark.slow  # builds the book
@pytest.mark.parametrize("lab", [lab_param(lab) for lab in LABS])
def test_lab_page_shows_the_student_edition(site, lab):
    import nbformat

    release = release_of(lab)
    page = parse_page(site / "labs" / f"{lab}.html")
    text = untagged(site / "labs" / f"{lab}.html")
    exercises = sum(1 for c in release.cells if c.cell_type == "code" and book_build.nbgrader_meta(c).get("solution"))
    assert text.count("raise NotImplementedError()") >= exercises, \
        f"{lab}: the page should show every exercise as a task (# YOUR CODE HERE / raise NotImplementedError())"
    headings = [(level, plain(text)) for level, text in page.headings]
    assert headings[0][0] == 1
    for level, heading in markdown_headings(release):
        assert (level, heading) in headings, f"{lab}: heading {'#' * level} {heading} is not on the page"
    # the page notebook: graded cells carry no output; worked examples carry theirs
    page_nb = nbformat.read(book_build.BUILD / "src" / "labs" / f"{lab}.ipynb", as_version=4)
    graded = [c for c in page_nb.cells if book_build.is_graded_cell(c) and c.cell_type == "code"]
    assert graded and all(not c.outputs for c in graded), f"{lab}: an exercise or check cell has outputs"
    worked = [c for c in page_nb.cells if c.cell_type == "code" and not book_build.is_graded_cell(c)]
    assert any(c.outputs for c in worked), f"{lab}: no worked example shows an output"


@pytest.mark.slow  # builds the book
@pytest.mark.parametrize("lab", [lab_param(lab) for lab in LABS])
def test_lab_page_links_to_its_student_notebook_for_download(site, lab):
    page = site / "labs" / f"{lab}.html"
    links = re.findall(r'href="([^"]*/_downloads/[^"]+/' + re.escape(lab) + r'\.ipynb)"', page.read_text())
    assert links, f"{lab}: the page has no download link to {lab}.ipynb"
    target = (page.parent / links[0]).resolve()
    assert target.is_relative_to(site.resolve()) and target.exists(), f"{lab}: the download link is broken"
    assert target.read_bytes() == book_build.student_notebook_bytes(lab), \
        f"{lab}: the downloadable notebook is not labs/{lab}.ipynb"


@pytest.mark.slow  # builds the book
@pytest.mark.parametrize("lab", [lab_param(lab) for lab in LABS])
def test_lab_figures_have_alt_text_saying_what_they_show(site, lab):
    figures = build_report()["figures"][lab]
    images = [img for img in parse_page(site / "labs" / f"{lab}.html").images if "_images/" in img.get("src", "")]
    assert len(images) >= len(figures), f"{lab}: {len(figures)} figures executed, {len(images)} on the page"
    for image in images:
        alt = image.get("alt", "")
        assert len(alt.split()) >= 3 and not re.search(r"\.(png|jpe?g|svg)\b", alt), \
            f"{lab}: an image's alt text does not say what it shows: {alt!r}"
    for figure in figures:
        named = figure["suptitle"] or any(axes["title"] for axes in figure["axes"])
        assert named, f"{lab}, cell {figure['cell']}: a figure has no title, so its alt text cannot say what it shows"


@pytest.mark.slow  # builds the book
@pytest.mark.parametrize("lab", [lab_param(lab) for lab in LABS])
def test_lab_figures_use_a_colour_blind_safe_palette(site, lab):
    from course.plotting import OKABE_ITO

    palette = {c.lower() for c in OKABE_ITO} | OKABE_ITO_EXTRA_OK
    for figure in build_report()["figures"][lab]:
        grey = {c for c in figure["colours"] if c[1:3] == c[3:5] == c[5:7]}
        off = sorted(set(figure["colours"]) - palette - grey)
        assert not off, (f"{lab}, cell {figure['cell']} ({figure['alt'][:60]}): colours {off} are not in the "
                         "course palette; call course.plotting.use_course_style() and use its default colours")
        cmaps = sorted({c.removesuffix("_r") for c in figure["colormaps"]} - SAFE_COLORMAPS)
        assert not cmaps, f"{lab}, cell {figure['cell']}: colormap(s) {cmaps} are hard to read with colour blindness"


# --------------------------------------------------------------------------- adding a lab

FAKE_LAB = '''# %% [markdown]
# # Lab 13: Book smoke test
#
# **Description:** a tiny lab that only exists inside this test.

# %%
from course import check, set_seed
from course.plotting import labelled, use_course_style

import matplotlib.pyplot as plt

set_seed(0)
use_course_style()
print("worked example says 6 x 7 =", 6 * 7)

# %% [markdown]
# ## 1. A figure
#
# Read more in [the smoke-test reading](https://example.org/smoke-reading).

# %%
fig, ax = plt.subplots()
ax.plot([0, 1, 2, 3], [0, 1, 4, 9])
labelled(ax, "Squares of small numbers", "n", "n squared", caption="The curve bends upwards.")
plt.show()

# %% [markdown]
# ### Exercise 1: double a number

# %% exercise="double"
def double(x):
    """Twice x."""
    ### BEGIN SOLUTION
    result = x + x  # smoke-solution-line
    return result
    ### END SOLUTION


# %% tests="double" points=1
check("double(2)", double(2), 4)
### BEGIN HIDDEN TESTS
check("double(21) smoke-hidden-test", double(21), 42)
### END HIDDEN TESTS

# %% [markdown]
# ## What you built
#
# - a function that doubles a number
'''


@pytest.mark.slow
def test_a_new_lab_gets_its_page_without_editing_the_book(tmp_path):
    """A lab dropped into solutions/ gets a page, a syllabus row and references, with no book edit."""
    solutions, labs = tmp_path / "solutions", tmp_path / "labs"
    solutions.mkdir()
    labs.mkdir()  # empty: the release is built on the fly, as for a lab not yet released
    (solutions / "13_book_smoke_test.py").write_text(FAKE_LAB)
    html_dir = book_build.build(out=tmp_path / "out", solutions_dir=solutions, labs_dir=labs, log=print)

    page = html_dir / "labs" / "13_book_smoke_test.html"
    assert page.is_file()
    parsed = parse_page(page)
    text = untagged(page)
    assert parsed.headings[0] == (1, "Lab 13: Book smoke test")
    assert "worked example says 6 x 7 = 42" in text
    assert "raise NotImplementedError()" in text and 'check("double(2)", double(2), 4)' in text
    for path, content in site_text(html_dir).items():
        for secret in ("smoke-solution-line", "smoke-hidden-test"):
            assert secret not in content, f"{path.name} leaks {secret}"
    images = [img for img in parsed.images if "_images/" in img.get("src", "")]
    assert len(images) == 1
    assert images[0]["alt"] == "Squares of small numbers. x axis: n, y axis: n squared. The curve bends upwards."
    syllabus = (html_dir / "syllabus.html").read_text()
    assert 'href="labs/13_book_smoke_test.html"' in syllabus and "a function that doubles a number" in syllabus
    assert "https://example.org/smoke-reading" in (html_dir / "references.html").read_text()
    assert "In preparation" in syllabus  # weeks planned but not written yet still show
    # a second build with nothing changed does nothing
    lines = []
    book_build.build(out=tmp_path / "out", solutions_dir=solutions, labs_dir=labs, log=lines.append)
    assert any("up to date" in line for line in lines), lines


def test_figure_alt_text_from_figure_facts():
    alt = book_build.figure_alt({"suptitle": "Activation functions", "captions": ["Step passes no gradient."],
                                 "axes": [{"title": "relu", "xlabel": "x", "ylabel": "f"},
                                          {"title": "tanh", "xlabel": "x", "ylabel": "f"}]})
    assert alt == "Activation functions. 2 panels: relu, tanh. Step passes no gradient."
    untitled = {"suptitle": "", "captions": [], "axes": [{"title": "", "xlabel": "", "ylabel": ""}]}
    assert book_build.figure_alt(untitled) == ""


def test_time_estimate_rounds_up_to_quarter_hours():
    assert book_build.estimate_minutes(words=0, code_lines=0, exercises=0, written=0) == 15
    assert book_build.estimate_minutes(words=1000, code_lines=100, exercises=5, written=0) == 90
    assert book_build.format_minutes(90) == "1 h 30 min" and book_build.format_minutes(120) == "2 h"
