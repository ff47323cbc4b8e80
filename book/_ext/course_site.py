"""The course site's own Sphinx extension: pages that work offline.

- Formulas as MathML. Sphinx's default renderer, MathJax, is a script fetched from a CDN: offline, a formula would
show as raw TeX and the browser would log an error. Browsers render MathML themselves (no
script, no network), and screen readers read it. TeX that docutils' converter does not
understand is shown as its source, in a code element.
- No thebe scripts. sphinx-thebe (always loaded by jupyter-book) adds its configuration
  script twice on every page, which the browser reports as an error ("Identifier
  'THEBE_JS_URL' has already been declared"), and points at a CDN. Live code is off in this
  book, so its scripts are left out of the pages.
"""
from __future__ import annotations

from docutils import nodes
from docutils.utils.math.latex2mathml import tex2mathml
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)


def _mathml(tex: str, block: bool) -> str | None:
    try:
        return tex2mathml(tex, as_block=block)
    except Exception as error:  # noqa: BLE001  any converter failure: fall back to the source
        logger.info(f"course_mathml: showing TeX as code ({error}): {tex[:80]}")
        return None


def visit_math(self, node: nodes.math) -> None:
    tex = node.astext()
    mathml = _mathml(tex, block=False)
    if mathml is None:
        self.body.append(self.starttag(node, "code", "", CLASS="math") + self.encode(tex) + "</code>")
    else:
        self.body.append(self.starttag(node, "span", "", CLASS="math notranslate") + mathml + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate"))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, "Link to this equation")
        self.body.append("</span>")
    for part in (p for p in node.astext().split("\n\n") if p.strip()):
        mathml = _mathml(part, block=True)
        if mathml is None:
            self.body.append(f'<pre class="math">{self.encode(part)}</pre>')
        else:
            self.body.append(mathml)
    self.body.append("</div>\n")
    raise nodes.SkipNode


def drop_thebe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [
            script for script in scripts
            if "THEBE_JS_URL" not in (getattr(script, "attributes", {}) or {}).get("body", "")
            and "sphinx-thebe" not in (getattr(script, "filename", None) or str(script))]


def setup(app):
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
    app.connect("html-page-context", drop_thebe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
