"""Feedback preprocessor: no hidden-test text in any output, and no outputs from a tampered kernel.

Student code can see a test cell's source while it runs (an input transformer, a trace hook,
``In``, ``linecache``, a stack frame) and print it, display it, raise it in an exception or
tuck it into output metadata. nbgrader's ClearHiddenTests removes the hidden tests from the
test cells' *source* only. :class:`GuardFeedback` runs before it, while the hidden tests are
still in the autograded notebook, and

* removes every output line (stream text, displayed data of any type, error message and
  traceback, output metadata) that contains a line of a hidden test: a stream keeps its
  other lines, any other output is replaced by a note;
* withholds every output when the grading found tampering (the verdict the integrity checks
  wrote into the autograded notebook, or the static finder's findings): a kernel that rewrote
  cells may have encoded anything in them. The student still sees their code, the visible
  tests and the scores.
"""
from __future__ import annotations

import html
import json
import re

import nbformat
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.integrity.planted import integrity_problems
from autograder.integrity.tampering import tampering

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SPACE = re.compile(r"\s+")
BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MIN_FRAGMENT = 8  # characters (spaces removed) a hidden line needs to count as telling
REMOVED = "[hidden test text removed by the grader]"
WITHHELD = ("[output withheld: the grader found code that changes how the tests run, and an instructor "
            "will review this submission]")


def what_was_seen(problems: list[str], fragments: list[str]) -> str:
    """The one line a tampered submission's feedback opens with: what the grader saw (the first
    finding, never hidden-test text), so a student flagged by mistake can ask for a review."""
    first = problems[0] if problems else "code that changes how the tests run"
    if quotes(first, fragments):
        first = "code that changes how the tests run"
    more = f" (and {len(problems) - 1} more finding{'s' * (len(problems) > 2)})" if len(problems) > 1 else ""
    return (f"**Held for review:** the grader saw {first}{more}. Your outputs are withheld and your score is "
            "0 until an instructor reviews it; if this is honest work, ask for a review.")


def normal(text: str) -> str:
    return SPACE.sub("", html.unescape(ANSI.sub("", text)))


def hidden_fragments(nb) -> list[str]:
    """The lines of every hidden-test block, whitespace removed (short ones are not telling)."""
    fragments = set()
    for cell in nb.cells:
        if cell.cell_type != "code" or not utils.is_grade(cell):
            continue
        inside = False
        for line in cell.source.splitlines():
            if line.strip() == BEGIN:
                inside = True
            elif line.strip() == END:
                inside = False
            elif inside:
                fragment = normal(line)
                if len(fragment) >= MIN_FRAGMENT:
                    fragments.add(fragment)
    return sorted(fragments, key=len, reverse=True)


def as_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else json.dumps(v) for v in value)
    return json.dumps(value, default=str)


def quotes(text: str, fragments: list[str]) -> bool:
    flat = normal(text)
    return any(fragment in flat for fragment in fragments)


def scrub_lines(text: str, fragments: list[str]) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(REMOVED + "\n" if quotes(line, fragments) else line for line in lines)


def guard_output(output, fragments: list[str]):
    kind = output.get("output_type")
    if kind == "stream":
        text = as_text(output.get("text", ""))
        if quotes(text, fragments):
            output["text"] = scrub_lines(text, fragments)
            if quotes(output["text"], fragments):  # split across lines
                output["text"] = REMOVED + "\n"
    elif kind in ("display_data", "execute_result"):
        if quotes(as_text(output.get("data", {})), fragments):
            output["data"] = {"text/plain": REMOVED}
        if quotes(as_text(output.get("metadata", {})), fragments):
            output["metadata"] = {}
    elif kind == "error":
        if quotes(output.get("ename", "") + as_text(output.get("evalue", "")) + as_text(output.get("traceback", [])),
                  fragments):
            output["ename"], output["evalue"] = output.get("ename", "Error")[:80], REMOVED
            output["traceback"] = [f"{output['ename']}: {REMOVED}"]
            if quotes(output["ename"], fragments):
                output["ename"] = "Error"
                output["traceback"] = [f"Error: {REMOVED}"]
    return output


class GuardFeedback(NbGraderPreprocessor):
    """Scrubs hidden-test text from every output and withholds a tampered kernel's outputs."""

    def preprocess(self, nb, resources):
        fragments = hidden_fragments(nb)
        problems = (integrity_problems(nb) or []) + tampering(nb)
        tampered = bool(problems)
        if tampered:
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(what_was_seen(problems, fragments)))
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            if tampered:
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=WITHHELD + "\n")] \
                    if cell.get("outputs") else []
                continue
            cell.outputs = [guard_output(output, fragments) for output in cell.get("outputs", [])]
        return nb, resources
