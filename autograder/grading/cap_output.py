"""Autograde preprocessor: no output of a submission grows past a fixed size.

nbgrader's LimitOutput keeps the first lines of a stream, but one enormous line, or an
enormous result shown by a cell, passes through and would bloat the autograded notebook, the
feedback page and the gradebook. Every text output is cut to :attr:`CapOutputSize.max_chars`
characters, and any other output larger than :attr:`CapOutputSize.max_bytes` is replaced by a
note, both saying how much was cut.
"""
from __future__ import annotations

import json

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from autograder.settings import DEFAULTS


def cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... [output cut by the grader: {len(text) - limit:,} more characters]\n"


class CapOutputSize(NbGraderPreprocessor):
    """Cuts every output of every code cell to a fixed size (see the module docstring)."""

    max_chars = Integer(DEFAULTS.output_chars, help="characters kept of each text output").tag(config=True)
    max_bytes = Integer(DEFAULTS.output_bytes, help="largest rich output (an image, say) kept").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = cut(output.get("text", ""), self.max_chars)
            elif output.get("output_type") in ("execute_result", "display_data"):
                data = output.get("data", {})
                if "text/plain" in data:
                    data["text/plain"] = cut(data["text/plain"], self.max_chars)
                size = len(json.dumps(data))
                if size > self.max_bytes:
                    output["data"] = {"text/plain": f"[output of {size:,} bytes removed by the grader]"}
            elif output.get("output_type") == "error":
                output["evalue"] = cut(output.get("evalue", ""), self.max_chars)
        return cell, resources
