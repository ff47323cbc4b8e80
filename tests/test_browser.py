"""The course site and the student's JupyterLab, in a real headless browser.

Debian's Chromium (/usr/bin/chromium) driven by Playwright for Python, offline: every
request that does not go to the loopback server is blocked and reported. What these tests
need is installed by scripts/setup-browser.sh, which the first test runs (it takes about a
second when everything is there already). Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest

from book_helpers import LABS, REPO, build_report, built_site, markdown_headings, plain, release_of

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
AXE = Path(os.environ.get("AXE_CORE_JS", REPO / "build" / "browser" / "node_modules" / "axe-core" / "axe.min.js"))
ARTIFACTS = REPO / "test-artifacts"
SITE_TITLE = "ML in Production"
FIRST_LAB = "01_tensorflow_foundations"

# one worker for the whole file under `pytest -n N --dist loadgroup`: one browser, one crawl
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]


# --------------------------------------------------------------------------- browser and servers

@pytest.fixture(scope="module")
def browser():
    setup = subprocess.run(["bash", str(REPO / "scripts" / "setup-browser.sh")], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, env={**os.environ, "PYTHON": sys.executable})
    assert setup.returncode == 0, f"scripts/setup-browser.sh failed:\n{setup.stdout}\n{setup.stderr}"
    import importlib

    importlib.invalidate_caches()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_url():
    """The built site, served on 127.0.0.1 at a port the system picks."""
    html = built_site()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class Visit:
    """One page opened in a fresh tab, with what went wrong while it loaded."""

    def __init__(self, context, url: str):
        self.console_errors: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.console_errors.append(f"uncaught: {e}"))
        self.response = self.page.goto(url, wait_until="load")
        self.page.wait_for_load_state("networkidle")


def offline_context(browser, blocked: list[str], origin: str, **options):
    """A browser context in which any request off the loopback origin is blocked and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)

    def route(r):
        if r.request.url.startswith(origin) or r.request.url.startswith(("data:", "blob:", "about:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return context


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                        targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['targets']}" for v in result
            if v["impact"] in ("serious", "critical")]


def page_facts(page) -> dict:
    return page.evaluate("""() => {
        const article = document.querySelector('article') || document.body;
        return {
            title: document.title,
            headings: Array.from(article.querySelectorAll('h1,h2,h3,h4,h5,h6')).map(h =>
                [Number(h.tagName[1]), h.textContent.replace(/#/g, ' ').replace(/\\s+/g, ' ').trim()]),
            links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
            ids: Array.from(document.querySelectorAll('[id], a[name]')).map(e => e.id || e.name),
            images: Array.from(article.querySelectorAll('img')).map(img => ({
                src: img.currentSrc || img.src, alt: img.getAttribute('alt') || '',
                loaded: img.complete && img.naturalWidth > 0,
                visible: img.getBoundingClientRect().width > 50 })),
            figures: Array.from(article.querySelectorAll('.cell_output img')).length,
        };
    }""")


# --------------------------------------------------------------------------- the book

@pytest.fixture(scope="module")
def crawl(browser, site_url):
    """Every page reachable from the landing page, visited once: facts, errors, axe results."""
    ARTIFACTS.mkdir(exist_ok=True)
    blocked: list[str] = []
    context = offline_context(browser, blocked, site_url.rstrip("/"))
    pages, queue, seen = {}, [site_url + "intro.html"], set()  # index.html only redirects here
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        visit = Visit(context, url)
        final = urldefrag(visit.page.url)[0]
        facts = page_facts(visit.page)
        facts.update(status=visit.response.status if visit.response else None,
                     console_errors=visit.console_errors, axe=axe_violations(visit.page), requested=url)
        pages[final] = facts
        seen.add(final)
        path = urlparse(final).path
        if path.endswith("/intro.html"):
            visit.page.screenshot(path=str(ARTIFACTS / "book-landing.png"), full_page=True)
        if path.endswith(f"/labs/{FIRST_LAB}.html"):
            visit.page.screenshot(path=str(ARTIFACTS / f"book-lab-{FIRST_LAB}.png"))
            first_figure = visit.page.locator(".cell_output img").first
            if first_figure.count():
                first_figure.scroll_into_view_if_needed()
                visit.page.screenshot(path=str(ARTIFACTS / f"book-lab-{FIRST_LAB}-figure.png"))
        for link in facts["links"]:
            target = urldefrag(link)[0]
            if target.startswith(site_url) and target.endswith(".html") and "/_sources/" not in target \
                    and not target.endswith("/index.html") and target not in seen:  # index.html: a redirect
                queue.append(target)
        visit.page.close()
    context.close()
    return {"pages": pages, "blocked": blocked, "site": site_url}


def _site_pages(crawl):
    return {urlparse(url).path.lstrip("/"): facts for url, facts in crawl["pages"].items()}


def test_site_root_opens_the_landing_page(browser, site_url):
    blocked: list[str] = []
    context = offline_context(browser, blocked, site_url.rstrip("/"))
    page = context.new_page()
    page.goto(site_url, wait_until="load")
    page.wait_for_url("**/intro.html", timeout=15_000)
    assert page.locator("article h1").first.inner_text().startswith("ML in Production")
    context.close()
    assert not blocked


def test_every_page_is_reachable_and_titled(crawl):
    pages = _site_pages(crawl)
    expected = ["intro.html", "setup.html", "syllabus.html", "grading.html", "references.html"]
    expected += [f"labs/{lab}.html" for lab in LABS]
    for name in expected:
        assert name in pages, f"{name} is not reachable from the landing page (found {sorted(pages)})"
    for name, facts in pages.items():
        assert facts["status"] == 200, f"{name}: HTTP {facts['status']}"
        title = facts["title"]
        assert title.endswith(SITE_TITLE) and len(title) > len(SITE_TITLE) + 3, f"{name}: page title {title!r}"
    assert pages["intro.html"]["headings"][0] == [1, "ML in Production"]


def test_no_console_error_and_nothing_fetched_from_outside(crawl):
    errors = {name: facts["console_errors"] for name, facts in _site_pages(crawl).items() if facts["console_errors"]}
    assert not errors, f"console errors: {errors}"
    assert not crawl["blocked"], f"the site tried to load from outside (offline): {sorted(set(crawl['blocked']))[:10]}"


def test_no_broken_internal_link(crawl):
    pages = crawl["pages"]
    site = crawl["site"]
    broken = []
    checked: dict[str, int] = {}
    for url, facts in pages.items():
        for link in facts["links"]:
            target, fragment = urldefrag(link)
            if not target.startswith(site):
                continue
            if target in pages:
                if fragment and fragment not in pages[target]["ids"]:
                    broken.append(f"{url} -> {link} (no #{fragment} there)")
                continue
            if target not in checked:
                try:
                    with urllib.request.urlopen(target, timeout=10) as response:
                        checked[target] = response.status
                except Exception as error:  # noqa: BLE001  any failure is a broken link
                    checked[target] = getattr(error, "code", 0)
            if checked[target] != 200:
                broken.append(f"{url} -> {link} (HTTP {checked[target]})")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:20])


def test_no_serious_accessibility_violation(crawl):
    assert AXE.is_file(), f"axe-core not found at {AXE}: run scripts/setup-browser.sh"
    violations = {name: facts["axe"] for name, facts in _site_pages(crawl).items() if facts["axe"]}
    assert not violations, "axe-core found serious or critical violations:\n" + json.dumps(violations, indent=1)


def test_headings_in_order_in_the_browser(crawl):
    for name, facts in _site_pages(crawl).items():
        if name in ("genindex.html", "search.html"):
            continue
        levels = [level for level, _ in facts["headings"]]
        assert levels and levels[0] == 1, f"{name}: the first heading is not an h1 ({levels})"
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), f"{name}: heading levels skip ({levels})"


@pytest.mark.parametrize("lab", LABS)
def test_lab_page_in_the_browser(crawl, lab):
    facts = _site_pages(crawl)[f"labs/{lab}.html"]
    release = release_of(lab)
    headings = [(level, plain(text)) for level, text in facts["headings"]]
    wanted = markdown_headings(release)
    assert headings[0] == tuple(wanted[0]), f"{lab}: the page's h1 is {headings[0]}, the lab's title {wanted[0]}"
    missing = [h for h in wanted if h not in headings]
    assert not missing, f"{lab}: headings of the lab not shown: {missing}"
    assert facts["title"].startswith(wanted[0][1]), f"{lab}: page title {facts['title']!r}"
    figures = build_report()["figures"][lab]
    if figures:
        shown = [img for img in facts["images"] if "_images/" in img["src"]]
        assert shown, f"{lab}: the lab draws {len(figures)} figure(s) but none is on the page"
        for image in shown:
            assert image["loaded"] and image["visible"], f"{lab}: a figure did not render: {image['src']}"
            assert len(image["alt"].split()) >= 3, f"{lab}: a figure has no useful alt text: {image['alt']!r}"


def test_screenshots_saved(crawl):
    for name in ("book-landing.png", f"book-lab-{FIRST_LAB}.png"):
        path = ARTIFACTS / name
        assert path.is_file() and path.stat().st_size > 10_000, f"screenshot {path} missing or empty"


# --------------------------------------------------------------------------- JupyterLab

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 with a token, on a scratch copy of labs/, shut down afterwards."""
    root = tmp_path_factory.mktemp("jupyterlab")
    notebooks = root / "labs"
    shutil.copytree(REPO / "labs", notebooks, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = root / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)  # a student's choice, made once: no "fetch Jupyter news?" prompt
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    token, port = secrets.token_hex(16), _free_port()
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
           "JUPYTER_RUNTIME_DIR": str(root / "runtime"), "JUPYTER_CONFIG_DIR": str(root / "config"),
           "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces")}
    argv = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={notebooks}", f"--IdentityProvider.token={token}",
            "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate"]
    log = open(root / "jupyterlab.log", "w")
    server = subprocess.Popen(argv, cwd=notebooks, env=env, stdout=log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"JupyterLab did not start:\n{(root / 'jupyterlab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield {"base": base, "token": token, "root": notebooks, "log": root / "jupyterlab.log"}
    finally:
        with contextlib.suppress(Exception):  # the kernels first: each runs in a session of its own
            with urllib.request.urlopen(f"{base}/api/kernels?token={token}", timeout=10) as response:
                kernels = json.loads(response.read())
            for kernel in kernels:
                request = urllib.request.Request(f"{base}/api/kernels/{kernel['id']}?token={token}", method="DELETE")
                urllib.request.urlopen(request, timeout=20).close()
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(server.pid, signal.SIGKILL)  # whatever of that server's session is still alive
        log.close()


def _wait_kernel_idle(page, timeout=120_000):
    page.wait_for_function(
        """() => { const app = window.jupyterapp; const w = app && app.shell.currentWidget;
                   return !!(w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel
                             && w.sessionContext.session.kernel.status === 'idle'); }""", timeout=timeout)


def test_jupyterlab_runs_a_lab_and_opens_its_paired_text_file(browser, jupyterlab):
    ARTIFACTS.mkdir(exist_ok=True)
    blocked: list[str] = []
    context = offline_context(browser, blocked, jupyterlab["base"])
    console: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
    page.set_default_timeout(60_000)
    notebook = f"{FIRST_LAB}.ipynb"
    page.goto(f"{jupyterlab['base']}/lab/tree/{notebook}?token={jupyterlab['token']}", wait_until="load")

    # the notebook opens, with nbgrader's Validate button in its toolbar
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.locator(".jp-Cell").first.wait_for()
    _wait_kernel_idle(page)
    validate = panel.locator(".validate-button")
    validate.wait_for()
    assert validate.is_enabled() and "Validate" in validate.inner_text()
    activated = page.evaluate("() => window.jupyterapp.isPluginActivated('@jupyter/nbgrader:validate-assignment')")
    assert activated, "nbgrader's validate-assignment plugin is not activated in JupyterLab"

    # run the first cells as a student does, Shift+Enter from the top: two markdown cells, the
    # setup cell (imports TensorFlow, prints its version), a markdown cell, the first example
    cells = panel.locator(".jp-Notebook .jp-Cell")
    cells.first.locator(".jp-InputPrompt").first.click()  # selects the title cell
    page.keyboard.press("Escape")  # command mode
    for _ in range(5):
        page.keyboard.press("Shift+Enter")
        time.sleep(0.3)
    outputs_of = """(index) => {
        const cell = window.jupyterapp.shell.currentWidget.content.widgets[index];
        return cell.model.outputs.toJSON().map(
            o => [].concat(o.text || (o.data && o.data['text/plain']) || []).join('')
                 + (o.output_type === 'error' ? ' ERROR ' + o.ename : ''));
    }"""
    page.wait_for_function(f"() => ({outputs_of})(4).length > 0", timeout=180_000)
    setup_text, example_text = " ".join(page.evaluate(outputs_of, 2)), " ".join(page.evaluate(outputs_of, 4))
    assert "TensorFlow 2." in setup_text and "ERROR" not in setup_text, f"setup cell printed {setup_text!r}"
    assert "shape:" in example_text and "ERROR" not in example_text, f"first example printed {example_text!r}"
    shown = page.locator(".jp-OutputArea-output", has_text="TensorFlow 2.").first
    shown.wait_for()  # and the output is on screen, not only in the model
    assert shown.is_visible()
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-lab01.png"))

    # open the paired .py as a notebook through jupytext ("Open With > Jupytext Notebook")
    py = f"{FIRST_LAB}.py"
    factories = page.evaluate("""(path) => {
        const registry = window.jupyterapp.docRegistry;
        const names = registry.preferredWidgetFactories(path).map(f => f.name);
        for (const f of registry.widgetFactories()) names.push(f.name);
        return names; }""", py)
    jupytext_factory = next((name for name in factories if "jupytext" in name.lower()), None)
    assert jupytext_factory, f"no jupytext notebook view for .py files (views: {factories})"
    page.evaluate("async ([path, factory]) => { await window.jupyterapp.commands.execute("
                  "'docmanager:open', {path, factory}); return true; }", [py, jupytext_factory])
    py_panel = page.locator(".jp-NotebookPanel:visible")
    page.wait_for_function("(name) => { const w = window.jupyterapp.shell.currentWidget;"
                           " return w && w.title.label === name && w.content && w.content.widgets"
                           " && w.content.widgets.length > 10; }", arg=py)
    title = py_panel.locator(".jp-MarkdownOutput h1").first
    title.wait_for()
    assert "Lab 01" in title.inner_text()
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-lab01-py-as-notebook.png"))
    uncaught = [line for line in console if line.startswith("uncaught")]
    assert not uncaught, f"JupyterLab raised in the page: {uncaught}"
    context.close()
    assert not blocked, f"JupyterLab tried to load from outside (offline): {sorted(set(blocked))[:10]}"
