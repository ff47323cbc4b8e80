"""Build the course site, a Jupyter Book 1.x, in one command.

    .venv/bin/python book/build.py                      every lab in solutions/
    .venv/bin/python book/build.py --labs 01_tensorflow_foundations
    .venv/bin/python book/build.py --force              rebuild even if nothing changed

The site is written to ``book/_build/html`` (open ``index.html``). Nothing in ``book/`` is
edited by hand for a new lab: the lab pages, the syllabus and the references are generated
from what is present in ``solutions/`` and ``labs/`` and from ``book/weeks.yml``.

For each lab ``NN_slug``:

1. the reference notebook (``autograder.build.source_notebook``) is executed with nbclient
   in a temporary directory, once, several labs at a time (``--jobs``, default one per CPU);
   a reference that raises stops the build. The executed notebook is cached in
   ``book/_build/cache`` under a hash of the lab's source and the course package, so a
   rebuild with unchanged sources executes nothing;
2. the page is the student release ``labs/NN_slug.ipynb`` (built in a scratch course when
   it is not there yet) carrying the reference's outputs on every cell that is not an
   nbgrader cell: exercise and test cells show the student's code and no output, so the page
   holds no solution code, no hidden test and no traceback. Figures get alt text made from
   their own titles, axis labels and captions (see ``kernel_setup.py``).

Then everything is staged in ``book/_build/src`` and built by ``jupyter-book build`` with
execution off and warnings as errors. A build whose inputs have not changed since the last
successful one is skipped, and concurrent builds wait for each other (a lock file).
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

BOOK = Path(__file__).resolve().parent
REPO = BOOK.parent
if str(REPO) not in sys.path:  # run as a script: make the course packages importable
    sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402
import yaml  # noqa: E402

from autograder import settings  # noqa: E402
from autograder.nbgrader_run import environment as kernel_environment  # noqa: E402
from autograder.notebooks import nbgrader_meta, strip_ansi  # noqa: E402
from autograder.paths import COURSE_PACKAGE as COURSE  # noqa: E402
from autograder.paths import LABS, SOLUTIONS, lab_names  # noqa: E402

BUILD = BOOK / "_build"
KERNEL_SETUP = BOOK / "kernel_setup.py"
WEEKS = BOOK / "weeks.yml"
FIGURE_MIME = "application/vnd.course.figure+json"
CELL_TIMEOUT = settings.DEFAULTS.reference_cell_timeout  # a generous bound, labs take well under a minute
DOWNLOADS = "notebooks"     # folder of the staged site holding the student notebooks to download
EXECUTION_VERSION = "1"     # bump when the way labs are executed changes: invalidates the cache
STAGE_SKIP = {"_build", "__pycache__", ".gitignore", "build.py", "kernel_setup.py", "weeks.yml"}
GENERATED_MARK = "<!-- generated: autograder commands -->"
STATUS_MARK = "<!-- generated: grading statuses -->"
LIMITS_MARK = "<!-- generated: grading limits -->"


class BookError(RuntimeError):
    """The book cannot be built; the message says which lab or page and what to do."""


# --------------------------------------------------------------------------- the labs

def discover_labs(solutions_dir: Path = SOLUTIONS) -> list[str]:
    """Every lab, as the stems of ``solutions/NN_slug.py``, in week order (the package's discovery)."""
    return lab_names(Path(solutions_dir))


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def _files_digest(paths) -> list[str]:
    return [f"{p.name}:{_digest(p.read_bytes())}" for p in sorted(paths)]


def execution_key(lab: str, solutions_dir: Path = SOLUTIONS) -> str:
    """What the executed reference depends on: the lab's source, the course package, the setup."""
    return _digest(EXECUTION_VERSION, (Path(solutions_dir) / f"{lab}.py").read_bytes(),
                   KERNEL_SETUP.read_bytes(), *_files_digest(COURSE.glob("*.py")))[:20]


def execute_reference(lab: str, solutions_dir: Path = SOLUTIONS):
    """The reference notebook of ``lab`` executed top to bottom in a temporary directory.

    The first cell run is ``kernel_setup.py`` (figure descriptions); it is removed afterwards.
    A cell that raises stops the build: a lab's reference must run cleanly.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from autograder.build import source_notebook

    nb = source_notebook(lab, Path(solutions_dir))
    setup = nbformat.v4.new_code_cell(KERNEL_SETUP.read_text(), id="book-kernel-setup")
    nb.cells.insert(0, setup)
    os.environ.update(kernel_environment())
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"book-{lab}-") as tmp:
        client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", startup_timeout=120,
                                resources={"metadata": {"path": tmp}})
        try:
            client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log (TensorFlow start-up)
        except CellExecutionError as error:
            lines = strip_ansi(str(error)).strip().splitlines()
            raise BookError(f"{lab}: the reference solution raised {error.ename} while executing for the "
                            f"book (run `python -m autograder selfcheck {lab}`):\n  "
                            + "\n  ".join(lines[-12:])) from None
    nb.cells = [cell for cell in nb.cells if cell.get("id") != setup.id]
    nb.metadata["course_book"] = {"lab": lab, "seconds": round(time.perf_counter() - start, 1)}
    return nb


def _execute_to(lab: str, solutions_dir: str, target: str) -> tuple[str, float]:
    """Worker for the process pool: execute ``lab`` and write the notebook to ``target``."""
    nb = execute_reference(lab, Path(solutions_dir))
    tmp = Path(target).with_suffix(".tmp")
    nbformat.write(nb, tmp)
    tmp.replace(target)
    return lab, nb.metadata["course_book"]["seconds"]


def executed_references(labs: list[str], cache_dir: Path, solutions_dir: Path = SOLUTIONS,
                        jobs: int = 1, log=print) -> dict[str, object]:
    """Executed reference of every lab, from the cache when its inputs did not change."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    targets = {lab: cache_dir / f"{lab}-{execution_key(lab, solutions_dir)}.ipynb" for lab in labs}
    todo = [lab for lab, path in targets.items() if not path.exists()]
    for lab in labs:
        if lab not in todo:
            log(f"  {lab}: executed notebook from the cache ({targets[lab].name})")
    if todo:
        log(f"  executing {len(todo)} reference notebook(s) with {min(jobs, len(todo))} process(es)...")
        errors = []
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
            futures = {pool.submit(_execute_to, lab, str(solutions_dir), str(targets[lab])): lab for lab in todo}
            for future in as_completed(futures):
                try:
                    lab, seconds = future.result()
                    log(f"  {lab}: executed in {seconds:.1f} s")
                except BookError as error:
                    errors.append(str(error))
        if errors:
            raise BookError("\n\n".join(errors))
    for lab, path in targets.items():  # forget older executions of the same lab
        for old in cache_dir.glob(f"{lab}-*.ipynb"):
            if old != path:
                old.unlink(missing_ok=True)
    return {lab: nbformat.read(path, as_version=4) for lab, path in targets.items()}


def release_notebook(lab: str, labs_dir: Path = LABS, solutions_dir: Path = SOLUTIONS):
    """The student release ``labs/<lab>.ipynb``; built in a scratch course if not committed yet."""
    path = Path(labs_dir) / f"{lab}.ipynb"
    if path.exists():
        return nbformat.read(path, as_version=4)
    from autograder.build import build_lab

    with tempfile.TemporaryDirectory(prefix=f"book-release-{lab}-") as tmp:
        ipynb, _ = build_lab(lab, Path(tmp) / "course", Path(tmp) / "labs", Path(solutions_dir))
        return nbformat.read(ipynb, as_version=4)


def student_notebook_bytes(lab: str, labs_dir: Path = LABS, solutions_dir: Path = SOLUTIONS) -> bytes:
    """The student notebook a reader downloads from the lab's page: ``labs/<lab>.ipynb`` as committed."""
    path = Path(labs_dir) / f"{lab}.ipynb"
    if path.exists():
        return path.read_bytes()
    return nbformat.writes(release_notebook(lab, labs_dir, solutions_dir)).encode()


# --------------------------------------------------------------------------- lab pages

def is_graded_cell(cell) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("solution") or meta.get("grade"))


def _cell_kind(cell) -> str:
    meta = nbgrader_meta(cell)
    if meta.get("solution") and meta.get("grade"):
        return "answer"
    return "exercise" if meta.get("solution") else "tests"


def figure_alt(facts: dict) -> str:
    """A sentence or two saying what a figure shows, from its own texts."""
    parts = []
    axes = facts.get("axes", [])
    titles = [a["title"] for a in axes if a.get("title")]
    if facts.get("suptitle"):
        parts.append(facts["suptitle"])
    if len(axes) == 1:
        a = axes[0]
        if a.get("title") and not facts.get("suptitle"):
            parts.append(a["title"])
        labels = [f"{name} axis: {a[key]}" for name, key in (("x", "xlabel"), ("y", "ylabel")) if a.get(key)]
        if labels:
            parts.append(", ".join(labels))
    elif titles:
        more = f" and {len(titles) - 12} more" if len(titles) > 12 else ""
        parts.append(f"{len(axes)} panels: {', '.join(titles[:12])}{more}")
    parts.extend(facts.get("captions", []))
    return ". ".join(part.strip().rstrip(".") for part in parts if part.strip()) + ("." if parts else "")


def _clean_outputs(outputs: list) -> tuple[list, list[dict]]:
    """Outputs fit for the page: no stderr, no traceback, no script; figure records taken out.

    Scripts go because a library's notebook display may fetch code from the internet (Apache
    Beam, under TFMA, injects jQuery from a CDN): the site works offline and loads nothing.
    """
    kept, figures = [], []
    for output in outputs:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            continue
        data = output.get("data") or {}
        if "application/javascript" in data or "<script" in "".join(data.get("text/html", "")):
            continue
        if output.get("output_type") == "error":
            # only possible in a cell tagged raises-exception: say what was raised, no traceback
            kept.append(nbformat.v4.new_output("stream", name="stdout",
                                               text=f"{output.get('ename')}: {output.get('evalue')}\n"))
            continue
        data = output.get("data")
        if data is not None and FIGURE_MIME in data:
            facts = data.pop(FIGURE_MIME)
            if "image/png" in data:
                figures.append(facts)
        kept.append(output)
    return kept, figures


def lab_page(lab: str, reference, release):
    """The page notebook: the release's cells, with the reference's outputs on ungraded cells."""
    ref_cells, rel_cells = reference.cells, release.cells
    if len(ref_cells) != len(rel_cells):
        raise BookError(f"{lab}: labs/{lab}.ipynb has {len(rel_cells)} cells, solutions/{lab}.py "
                        f"{len(ref_cells)}: labs/ is out of date, run `python -m autograder build {lab}`")
    page = nbformat.v4.new_notebook()
    page.metadata = {"kernelspec": release.metadata.get("kernelspec", {}),
                     "language_info": {"name": "python"}}
    figures = []
    for index, (ref, rel) in enumerate(zip(ref_cells, rel_cells), start=1):
        if ref.cell_type != rel.cell_type or nbgrader_meta(ref).get("grade_id") != nbgrader_meta(rel).get("grade_id"):
            raise BookError(f"{lab}, cell {index}: solutions/ and labs/ disagree on this cell; "
                            f"labs/ is out of date, run `python -m autograder build {lab}`")
        cell = nbformat.from_dict(json.loads(json.dumps(rel)))  # a deep copy of the student's cell
        metadata = {key: value for key, value in cell.metadata.items() if key in ("nbgrader", "tags")}
        if is_graded_cell(rel):
            metadata["tags"] = sorted(set(metadata.get("tags", [])) | {f"course-{_cell_kind(rel)}"})
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        elif cell.cell_type == "code":
            if ref.source != rel.source:
                raise BookError(f"{lab}, cell {index}: the release's code differs from the reference's; "
                                f"labs/ is out of date, run `python -m autograder build {lab}`")
            outputs, cell_figures = _clean_outputs(json.loads(json.dumps(ref.get("outputs", []))))
            cell.outputs = [nbformat.from_dict(o) for o in outputs]
            cell.execution_count = ref.get("execution_count")
            if cell_figures:
                alts = [figure_alt(f) for f in cell_figures]
                alt = alts[0] if len(alts) == 1 else " ".join(f"Figure {i}: {a}" for i, a in enumerate(alts, 1))
                metadata["mystnb"] = {"image": {"alt": alt or "A figure without a title (the lab should give it one)."}}
                figures.extend({"cell": index, "alt": figure_alt(f), **f} for f in cell_figures)
        cell.metadata = nbformat.from_dict(metadata)
        page.cells.append(cell)
    page.cells.insert(1, nbformat.v4.new_markdown_cell(_page_note(lab), id="course-page-note"))
    page.metadata["course_book"] = {"lab": lab, "figures": figures,
                                    "seconds": reference.metadata.get("course_book", {}).get("seconds")}
    nbformat.validate(page)
    return page


def _page_note(lab: str) -> str:
    return (":::{admonition} This is the student edition\n:class: note\n\n"
            f"{{download}}`Download the student notebook {lab}.ipynb <../{DOWNLOADS}/{lab}.ipynb>` "
            f"to work on this lab: open it in JupyterLab (see {{doc}}`../setup`; in the course repository "
            f"it is `labs/{lab}.ipynb`). "
            "Outputs and figures below come from running the worked examples. The cells marked "
            "*Exercise* are yours to complete: they raise `NotImplementedError` until you do. The "
            "cells marked *Check* test your answer; the grader runs further tests of its own.\n:::")


# --------------------------------------------------------------------------- what a lab says about itself

@dataclass
class LabInfo:
    lab: str
    week: int
    title: str                      # "Lab 01: TensorFlow foundations"
    short_title: str                # "TensorFlow foundations"
    description: str
    objectives: list[str]
    exercises: int
    written: int
    points: int
    minutes: int
    links: list[tuple[str, str]] = field(default_factory=list)
    seconds: float | None = None


def _markdown_cells(nb) -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == "markdown"]


def _bullets(text: str) -> list[str]:
    items: list[str] = []
    for line in text.splitlines():
        if re.match(r"^\s{0,1}[-*] ", line):
            items.append(line.strip()[2:].strip())
        elif items and line.startswith("  ") and line.strip():
            items[-1] += " " + line.strip()
        elif items and not line.strip():
            continue
    return items


def _sections(nb) -> list[tuple[str, str]]:
    """(heading, body) of every level-2 heading in the markdown cells."""
    out = []
    for source in _markdown_cells(nb):
        for match in re.finditer(r"^## +([^\n]+)\n?(.*?)(?=^#{1,2} |\Z)", source, re.M | re.S):
            out.append((match.group(1).strip(), match.group(2)))
    return out


def estimate_minutes(words: int, code_lines: int, exercises: int, written: int) -> int:
    """Time to complete: reading prose and worked code, plus each exercise; rounded up to 15 min.

    Technical prose at about 100 words a minute, worked code at about 10 lines a minute, an
    exercise about 12 minutes (with its check), a written answer about 8.
    """
    minutes = words / 100 + code_lines / 10 + 12 * exercises + 8 * written
    return max(15, int(-(-minutes // 15) * 15))


def lab_info(lab: str, reference) -> LabInfo:
    cells = reference.cells
    first = next((c.source for c in cells if c.cell_type == "markdown"), "")
    title_match = re.search(r"^# +(.+)$", first, re.M)
    title = title_match.group(1).strip() if title_match else lab
    short = re.sub(r"^Lab\s+\d+\s*[:.\u2013\u2014-]\s*", "", title)
    desc_match = re.search(r"\*\*Description:?\*\*:?\s*(.+?)(?:\n\s*\n|\Z)", first, re.S)
    description = " ".join(desc_match.group(1).split()) if desc_match else ""
    sections = _sections(reference)
    objectives: list[str] = []
    for pattern in (r"learning objectives|objectives|what you will learn|you will learn", r"what you (built|learned)"):
        for heading, body in sections:
            if re.search(pattern, heading, re.I):
                objectives = _bullets(body)
                break
        if objectives:
            break
    if not objectives:
        objectives = [h for h, _ in sections if not re.search(r"^setup$|what you", h, re.I)]
    exercises = sum(1 for c in cells if c.cell_type == "code" and nbgrader_meta(c).get("solution"))
    written = sum(1 for c in cells if c.cell_type == "markdown" and nbgrader_meta(c).get("solution"))
    points = sum(int(nbgrader_meta(c).get("points") or 0) for c in cells if nbgrader_meta(c).get("grade"))
    words = sum(len(re.sub(r"[`*#|]", " ", s).split()) for s in _markdown_cells(reference))
    code_lines = sum(len([ln for ln in c.source.splitlines() if ln.strip() and not ln.strip().startswith("#")])
                     for c in cells if c.cell_type == "code" and not is_graded_cell(c))
    links = []
    for source in _markdown_cells(reference):
        for text, url in re.findall(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", source):
            if (text, url) not in links:
                links.append((text, url))
    return LabInfo(lab=lab, week=int(lab[:2]), title=title, short_title=short, description=description,
                   objectives=objectives, exercises=exercises, written=written, points=points,
                   minutes=estimate_minutes(words, code_lines, exercises, written), links=links,
                   seconds=reference.metadata.get("course_book", {}).get("seconds"))


def format_minutes(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


# --------------------------------------------------------------------------- generated pages

def _cell(text: str, indent: str = "    ") -> str:
    """Indent continuation lines for a list-table cell."""
    return text.replace("\n", "\n" + indent)


def syllabus_page(infos: list[LabInfo], weeks: dict[int, dict]) -> str:
    by_week = {info.week: info for info in infos}
    rows = []
    for week in sorted(set(weeks) | set(by_week)):
        info, plan = by_week.get(week), weeks.get(week, {})
        if info:
            link_text = re.sub(r"[`<>]", "", info.short_title)
            lab = f"{{doc}}`{link_text} <labs/{info.lab}>`"
            if info.description:
                lab += f"\n\n{info.description[0].upper()}{info.description[1:]}"
            learn = "\n".join(f"- {item}" for item in info.objectives) or "-"
            parts = [f"{info.exercises} exercises"] + ([f"{info.written} written answers"] if info.written else [])
            time_text = f"about {format_minutes(info.minutes)}\n\n({', '.join(parts)}, {info.points} points)"
        else:
            lab = f"{plan.get('title', f'Week {week}')}\n\n*In preparation.*"
            learn = "Topics: " + plan.get("topics", "").strip()
            time_text = "-"
        rows.append(f"* - {week:02d}\n  - {_cell(lab)}\n  - {_cell(learn)}\n  - {_cell(time_text)}")
    present = ", ".join(f"{i.week:02d}" for i in infos) or "none yet"
    return f"""# Syllabus

One lab a week. Each lab is a notebook you read and run from top to bottom: short sections of
explanation, worked examples, then exercises that a check cell marks as you go. The table lists
what each lab teaches and roughly how long it takes. Labs published so far: {present}.

The time is an estimate made from the lab itself: reading the explanations and worked code,
plus about 12 minutes per exercise. Running a whole lab takes under a minute of computer time.

```{{list-table}} Weekly labs: what each teaches and how long it takes
:header-rows: 1
:widths: 7 25 52 16

* - Week
  - Lab
  - What you will learn
  - Time to complete
{chr(10).join(rows)}
```

The papers and documentation each week draws on are listed in {{doc}}`references`.
"""


def references_page(infos: list[LabInfo], weeks: dict[int, dict], general: list[dict]) -> str:
    def ref_line(ref: dict) -> str:
        text = ref["text"].strip()
        return f"- {text} <{ref['url']}>" if ref.get("url") else f"- {text}"

    by_week = {info.week: info for info in infos}
    out = ["# References", "",
           "The papers, books and documentation each week draws on. The labs themselves run "
           "offline; these links are for reading further.", "", "## For the whole course", ""]
    out += [ref_line(ref) for ref in general] + [""]
    for week in sorted(set(weeks) | set(by_week)):
        plan, info = weeks.get(week, {}), by_week.get(week)
        title = info.short_title if info else plan.get("title", f"Week {week}")
        out += [f"## Week {week:02d}: {title}", ""]
        refs = [ref_line(ref) for ref in plan.get("references", [])]
        if info:
            refs += [f"- {text} <{url}>" for text, url in info.links
                     if not any(url in line for line in refs)]
        out += (refs or ["- (none yet)"]) + [""]
    return "\n".join(out)


def cli_reference() -> str:
    """The instructor commands, from the CLI's own command table (always current)."""
    from autograder.cli import COMMANDS, parser

    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    lines = ["| Command | What it does |", "|---|---|"]
    lines += [f"| `{command.name}` | {command.summary[0].upper()}{command.summary[1:]} |" for command in COMMANDS]
    usages = [" ".join(sub.choices[command.name].format_usage().split()).replace("usage: ", "")
              for command in COMMANDS]
    return "\n".join(lines) + "\n\nFull usage of each command (add `--help` to any of them):\n\n```text\n" \
        + "\n".join(usages) + "\n```\n"


def limits_reference() -> str:
    """The grading limits, from the settings object itself."""
    return settings.markdown_table()


def status_reference() -> str:
    """What each submission status in the grades CSV means, from the grader itself."""
    from autograder.outcomes import Status

    rows = [f"| `{status.value}` | {status.help[0].upper()}{status.help[1:]} |" for status in Status]
    return ("The `status` column of the CSV says what happened to each submission:\n\n"
            "| Status | Meaning |\n|---|---|\n" + "\n".join(rows) + "\n")


# --------------------------------------------------------------------------- staging and building

def stage(src: Path, pages: dict[str, str | bytes | object]) -> None:
    """Copy the hand-written book files into ``src`` and write the generated pages (text, bytes
    or notebooks)."""
    if src.exists():
        shutil.rmtree(src)
    for path in sorted(BOOK.rglob("*")):
        relative = path.relative_to(BOOK)
        if set(relative.parts) & STAGE_SKIP or path.is_dir():
            continue
        target = src / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    grading = src / "grading.md"
    if grading.exists():
        text = grading.read_text().replace(GENERATED_MARK, cli_reference())
        text = text.replace(LIMITS_MARK, limits_reference())
        grading.write_text(text.replace(STATUS_MARK, status_reference()))
    for name, content in pages.items():
        target = src / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            nbformat.write(content, target)


def run_jupyter_book(src: Path, out: Path, log=print) -> Path:
    """``jupyter-book build`` with warnings as errors; returns the HTML folder."""
    work = out / "jb"
    if work.exists():
        shutil.rmtree(work)
    exe = Path(sys.executable).parent / "jupyter-book"
    argv = [str(exe) if exe.exists() else "jupyter-book", "build", str(src), "--path-output", str(work),
            "--builder", "html", "--all", "-W"]
    start = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, env=kernel_environment(), stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        lines = (result.stdout + result.stderr).strip().splitlines()
        causes = [line for line in lines if "WARNING" in line or "ERROR" in line or "SphinxWarning" in line]
        text = "\n".join(causes[:20]) if causes else "\n".join(lines[-40:])
        raise BookError(f"jupyter-book build failed (exit {result.returncode}), warnings are errors:\n{text}")
    log(f"  jupyter-book build took {time.perf_counter() - start:.1f} s")
    html = out / "html"
    if html.exists():
        shutil.rmtree(html)
    (work / "_build" / "html").replace(html)
    return html


def inputs_digest(labs: list[str], solutions_dir: Path, labs_dir: Path) -> str:
    """Everything the site depends on; an unchanged digest means an unchanged site."""
    import jupyter_book

    book_files = [p for p in BOOK.rglob("*") if p.is_file() and "_build" not in p.relative_to(BOOK).parts
                  and "__pycache__" not in p.parts]
    lab_files = [Path(solutions_dir) / f"{lab}.py" for lab in labs]
    lab_files += [p for lab in labs for p in [Path(labs_dir) / f"{lab}.ipynb"] if p.exists()]
    autograder_files = [REPO / "autograder" / name for name in ("cli.py", "outcomes.py", "settings.py")]  # guide
    parts = [f"{p.relative_to(BOOK)}:{_digest(p.read_bytes())}" for p in sorted(book_files)]
    parts += [f"{p}:{_digest(p.read_bytes())}" for p in lab_files + autograder_files if p.exists()]
    parts += _files_digest(COURSE.glob("*.py"))
    return _digest(jupyter_book.__version__, sys.version, *parts)


@contextlib.contextmanager
def locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build(labs: list[str] | None = None, out: Path = BUILD, cache_dir: Path | None = None,
          solutions_dir: Path = SOLUTIONS, labs_dir: Path = LABS, jobs: int | None = None, force: bool = False,
          log=print) -> Path:
    """Build the site into ``out/html`` and return that folder."""
    out, solutions_dir, labs_dir = Path(out), Path(solutions_dir), Path(labs_dir)
    labs = discover_labs(solutions_dir) if labs is None else list(labs)
    if not labs:
        raise BookError(f"no lab found in {solutions_dir}: expected files like 01_slug.py")
    for lab in labs:
        if lab not in discover_labs(solutions_dir):
            raise BookError(f"unknown lab {lab!r}; the labs are: {', '.join(discover_labs(solutions_dir))}")
    cache_dir = Path(cache_dir) if cache_dir else out / "cache"
    jobs = max(1, jobs or os.cpu_count() or 1)
    with locked(out / ".lock"):
        digest = inputs_digest(labs, solutions_dir, labs_dir)
        stamp = out / "stamp.json"
        html = out / "html"
        if not force and (html / "index.html").exists() and stamp.exists():
            if json.loads(stamp.read_text()).get("digest") == digest:
                log(f"book: up to date, nothing changed since the last build ({html})")
                return html
        start = time.perf_counter()
        log(f"book: {len(labs)} lab(s): {', '.join(labs)}")
        references = executed_references(labs, cache_dir, solutions_dir, jobs=jobs, log=log)
        pages: dict[str, object] = {}
        infos = []
        for lab in labs:
            page = lab_page(lab, references[lab], release_notebook(lab, labs_dir, solutions_dir))
            pages[f"labs/{lab}.ipynb"] = page
            pages[f"{DOWNLOADS}/{lab}.ipynb"] = student_notebook_bytes(lab, labs_dir, solutions_dir)
            infos.append(lab_info(lab, references[lab]))
        weeks_data = yaml.safe_load(WEEKS.read_text())
        weeks = {int(w["week"]): w for w in weeks_data["weeks"]}
        pages["syllabus.md"] = syllabus_page(infos, weeks)
        pages["references.md"] = references_page(infos, weeks, weeks_data.get("general", []))
        src = out / "src"
        stage(src, pages)
        html = run_jupyter_book(src, out, log=log)
        report = {"digest": digest, "labs": [asdict(i) for i in infos],
                  "figures": {lab: pages[f"labs/{lab}.ipynb"].metadata["course_book"]["figures"] for lab in labs},
                  "seconds": round(time.perf_counter() - start, 1)}
        (out / "report.json").write_text(json.dumps(report, indent=1))
        stamp.write_text(json.dumps({"digest": digest}))
        log(f"book: built in {report['seconds']:.1f} s: {html / 'index.html'}")
        return html


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python book/build.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labs", nargs="+", metavar="LAB", help="only these labs (default: all in solutions/)")
    parser.add_argument("--out", type=Path, default=BUILD, help="build folder (default: book/_build)")
    parser.add_argument("--cache-dir", type=Path, help="executed notebooks (default: OUT/cache)")
    parser.add_argument("--jobs", type=int, help="labs executed at once (default: the number of CPUs)")
    parser.add_argument("--force", action="store_true", help="rebuild even if no input changed")
    parser.add_argument("--no-cache", action="store_true", help="execute every lab again")
    args = parser.parse_args(argv)
    if args.no_cache:
        cache = Path(args.cache_dir) if args.cache_dir else args.out / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        args.force = True
    try:
        build(args.labs, args.out, args.cache_dir, jobs=args.jobs, force=args.force)
    except BookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
