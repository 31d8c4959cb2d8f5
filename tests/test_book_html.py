"""Build the book strictly once, then check its HTML as a reader would get it.

Static checks parse the built files with BeautifulSoup: every Colab link must open a notebook that git
tracks, every local link, anchor, script and stylesheet must resolve, and every image file must exist.
Browser checks run in headless Chromium, driven by Playwright, on pages served from 127.0.0.1. On every
page the offline MathJax must typeset all math, no raw TeX may be left in the text, every image must decode
and no script may raise. A full-page screenshot of each page goes to ``_build/screenshots/``.

The book is built into a temporary folder, so stale pages in ``_build/html`` cannot hide a broken link.
While book/ has no chapter notebook yet, the same checks run on a throwaway book (an intro page and a
chapter notebook written here) built in a temporary copy with the repository's ``_config.yml``.

Chromium is looked up as ``$MMDLIB_CHROMIUM``, then ``chromium``, ``chromium-browser`` and
``google-chrome`` on PATH. Without it the browser checks are skipped, unless ``MMDLIB_REQUIRE_BROWSER=1``,
in which case they fail.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import posixpath
import re
import shutil
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

from book_toc import toc_files

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
SCREENSHOTS = ROOT / "_build" / "screenshots"

BUILD_TIMEOUT_S = 900
BROWSER_LAUNCH_TIMEOUT_MS = 120_000
PAGE_TIMEOUT_MS = 120_000
# Maximum wait, inside the page, for images to load and for MathJax to finish typesetting.
RENDER_WAIT_MS = 90_000
VIEWPORT = {"width": 1280, "height": 900}

# (tag, attribute) pairs that reference another file of the site.
REFERENCE_ATTRIBUTES = [("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"), ("source", "src"),
                        ("iframe", "src")]
# NOTE: with jupyter-book 1.0.4 and sphinx-thebe 0.3.1 every page carries sphinx-thebe's inline config script
# twice, so the second `const THEBE_JS_URL` raises. Thebe (live code) is not used, and nothing else breaks.
KNOWN_SCRIPT_ERRORS = {"Identifier 'THEBE_JS_URL' has already been declared"}
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
# Text that would remain if MathJax left math untypeset: TeX delimiters and environments.
RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\\end\{|\$[^$\n]*\\[A-Za-z]+[^$\n]*\$")


# ---------------------------------------------------------------------------------------------------------
# Which book to build


def _source_suffix(folder: Path, name: str) -> str | None:
    for suffix in (".ipynb", ".md", ".rst"):
        if (folder / f"{name}{suffix}").exists():
            return suffix
    return None


REPO_TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
REPO_CHAPTERS = [f for f in toc_files(REPO_TOC) if _source_suffix(ROOT, f) == ".ipynb"]
USE_PLACEHOLDER = not REPO_CHAPTERS
PLACEHOLDER_TOC = {"format": "jb-book", "root": "book/intro",
                   "chapters": [{"file": "book/placeholder_chapter"}]}
BOOK_PAGES = toc_files(PLACEHOLDER_TOC if USE_PLACEHOLDER else REPO_TOC)


def _png(width: int, height: int) -> bytes:
    """Encode a small grey RGB gradient as PNG bytes, for the throwaway chapter's figure."""
    rows = b"".join(b"\x00" + bytes(((x * 255 // width) & 0xFF) for x in range(width) for _ in range(3))
                    for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PLACEHOLDER_INTRO = r"""# Placeholder book

This page takes the place of the introduction while book/ has no chapter yet. It holds inline math
$\MMD^2(P, Q) = \E[k(x, x')] - 2 \E[k(x, y)] + \E[k(y, y')]$ and a numbered display:

$$
k(x, y) = \exp\left(-\frac{\|x - y\|^2}{2 \sigma^2}\right), \qquad x, y \in \R^d
$$ (eq-placeholder-kernel)

Equation {eq}`eq-placeholder-kernel` is used in the [chapter](placeholder_chapter.ipynb).

```{prf:theorem} Placeholder statement
:label: thm-placeholder
:nonumber:

For every $\sigma^2 > 0$ the kernel is positive definite.
```
"""


def _placeholder_notebook() -> dict:
    markdown = ("# Placeholder chapter\n\nThe derivative is\n\n"
                "\\begin{align}\n\\frac{\\partial}{\\partial \\mu} \\MMD^2 &= 0\n\\end{align}\n\n"
                "Back to {prf:ref}`the theorem <thm-placeholder>`.")
    outputs = [{"output_type": "stream", "name": "stdout", "text": "0.1234\n"},
               {"output_type": "display_data", "metadata": {},
                "data": {"image/png": base64.b64encode(_png(64, 32)).decode(), "text/plain": "<Figure>"}}]
    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "language_info": {"name": "python"}},
            "cells": [{"cell_type": "markdown", "id": "intro", "metadata": {}, "source": markdown},
                      {"cell_type": "code", "id": "figure", "metadata": {}, "execution_count": 1,
                       "source": "print(f'{0.1234:.4f}')", "outputs": outputs}]}


def _write_placeholder_book(folder: Path) -> None:
    """Write a two-page book with the repository's config into ``folder`` and track it in a git repository."""
    shutil.copy(ROOT / "_config.yml", folder / "_config.yml")
    (folder / "_toc.yml").write_text(yaml.safe_dump(PLACEHOLDER_TOC, sort_keys=False))
    for bibfile in CONFIG.get("bibtex_bibfiles", []):
        source = ROOT / bibfile
        (folder / bibfile).write_text(source.read_text() if source.exists() else "")
    (folder / "book").mkdir()
    (folder / "book" / "intro.md").write_text(PLACEHOLDER_INTRO)
    (folder / "book" / "placeholder_chapter.ipynb").write_text(json.dumps(_placeholder_notebook(), indent=1))
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    subprocess.run(["git", "-C", str(folder), "add", "-A"], check=True)


def tracked_files(repository: Path) -> set[str] | None:
    """Return the paths that git tracks in ``repository``, or None when it is not a git work tree."""
    if shutil.which("git") is None:
        return None
    result = subprocess.run(["git", "-C", str(repository), "ls-files", "-z"], capture_output=True, text=True)
    if result.returncode != 0:
        return None
    return {path for path in result.stdout.split("\0") if path}


@dataclass
class BuiltBook:
    """A book built into a temporary folder, with what the build printed."""

    source: Path
    html: Path
    returncode: int
    log: str
    tracked: set[str] | None
    placeholder: bool
    pages: list[str] = field(default_factory=list)

    def page_path(self, name: str) -> Path:
        return self.html / f"{name}.html"


def _jupyter_book_command() -> list[str]:
    beside_python = Path(sys.executable).with_name("jupyter-book")
    if beside_python.exists():
        return [str(beside_python)]
    on_path = shutil.which("jupyter-book")
    if on_path is None:
        pytest.fail("jupyter-book not found next to the test's python or on PATH; pip install -r requirements.txt")
    return [on_path]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> BuiltBook:
    """Build the book (or the throwaway one) strictly into a fresh temporary folder, once per module."""
    output = tmp_path_factory.mktemp("book_build")
    if USE_PLACEHOLDER:
        source = tmp_path_factory.mktemp("placeholder_book")
        _write_placeholder_book(source)
    else:
        source = ROOT
    command = _jupyter_book_command() + ["build", str(source), "--path-output", str(output), "-W", "-n",
                                         "--keep-going"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    log = ANSI_ESCAPE.sub("", result.stdout + result.stderr)
    return BuiltBook(source=source, html=output / "_build" / "html", returncode=result.returncode, log=log,
                     tracked=tracked_files(source), placeholder=USE_PLACEHOLDER, pages=BOOK_PAGES)


# ---------------------------------------------------------------------------------------------------------
# Static checks on the HTML files


@dataclass(frozen=True)
class Reference:
    """One URL found in a page: the page (relative to the HTML root), the tag, and the URL as written."""

    page: str
    tag: str
    url: str


def html_pages(html: Path) -> list[Path]:
    """Return every HTML page of the site, leaving out the theme's and extensions' static files."""
    return sorted(p for p in html.rglob("*.html") if p.relative_to(html).parts[0] not in ("_static", "_sources"))


@functools.lru_cache(maxsize=None)
def _parse(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def collect_references(html: Path) -> list[Reference]:
    """Return every URL referenced by a page of the site, including meta refresh redirects."""
    references = []
    for path in html_pages(html):
        page = path.relative_to(html).as_posix()
        soup = _parse(path)
        for tag, attribute in REFERENCE_ATTRIBUTES:
            for element in soup.find_all(tag):
                url = element.get(attribute)
                if url is not None:
                    references.append(Reference(page, tag, url.strip()))
        for meta in soup.find_all("meta", attrs={"http-equiv": re.compile("^refresh$", re.I)}):
            match = re.search(r"url\s*=\s*(\S+)", meta.get("content", ""), re.I)
            if match:
                references.append(Reference(page, "meta", match.group(1).strip("'\"")))
    return references


def is_local(url: str) -> bool:
    """Tell whether a URL points inside the site: no scheme and no host."""
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


def _anchors(path: Path) -> set[str]:
    soup = _parse(path)
    return {e["id"] for e in soup.find_all(id=True)} | {e["name"] for e in soup.find_all("a", attrs={"name": True})}


def find_broken_local_references(html: Path, references: list[Reference]) -> list[str]:
    """Return a description of every local URL whose file, or whose #anchor in an HTML file, is missing."""
    broken = []
    for ref in references:
        if not is_local(ref.url) or ref.url in ("", "#"):
            continue
        parts = urlsplit(ref.url)
        page_dir = posixpath.dirname(ref.page)
        target = posixpath.normpath(posixpath.join(page_dir, unquote(parts.path))) if parts.path else ref.page
        if target.startswith("../") or target == "..":
            broken.append(f"{ref.page}: <{ref.tag}> {ref.url!r} points outside the site")
            continue
        path = html / target
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            broken.append(f"{ref.page}: <{ref.tag}> {ref.url!r} -> missing file {target}")
            continue
        fragment = unquote(parts.fragment)
        if fragment and path.suffix == ".html" and fragment not in _anchors(path):
            broken.append(f"{ref.page}: <{ref.tag}> {ref.url!r} -> no id {fragment!r} in {target}")
    return broken


def find_bad_images(html: Path, references: list[Reference]) -> list[str]:
    """Return a description of every <img> whose file is missing or empty, or that needs the network."""
    bad = []
    for ref in references:
        if ref.tag != "img":
            continue
        if ref.url.startswith("data:image/"):
            continue
        if not is_local(ref.url):
            bad.append(f"{ref.page}: <img> {ref.url!r} is remote, but the book must render offline")
            continue
        target = posixpath.normpath(posixpath.join(posixpath.dirname(ref.page), unquote(urlsplit(ref.url).path)))
        path = html / target
        if not path.is_file():
            bad.append(f"{ref.page}: <img> {ref.url!r} -> missing file {target}")
        elif path.stat().st_size == 0:
            bad.append(f"{ref.page}: <img> {ref.url!r} -> empty file {target}")
    return bad


def colab_prefix(config: dict) -> str:
    return config["launch_buttons"]["colab_url"].rstrip("/") + "/github/"


def find_bad_colab_links(references: list[Reference], config: dict, tracked: set[str]) -> list[str]:
    """Return a description of every Colab link that does not open a git-tracked notebook of this repository."""
    prefix = colab_prefix(config)
    repository = urlsplit(config["repository"]["url"]).path.strip("/").removesuffix(".git")
    expected = f"{prefix}{repository}/blob/{config['repository'].get('branch', 'main')}/"
    bad = []
    for ref in references:
        if not ref.url.startswith(prefix):
            continue
        if not ref.url.startswith(expected):
            bad.append(f"{ref.page}: Colab link {ref.url!r} does not start with {expected!r}")
            continue
        notebook = unquote(urlsplit(ref.url[len(expected):]).path)
        if not notebook.endswith(".ipynb"):
            bad.append(f"{ref.page}: Colab link {ref.url!r} names {notebook!r}, which is not a notebook")
        elif notebook not in tracked:
            bad.append(f"{ref.page}: Colab link {ref.url!r} names {notebook!r}, which git does not track; "
                       f"git add it")
    return bad


@pytest.fixture(scope="module")
def references(book: BuiltBook) -> list[Reference]:
    if not (book.html / "index.html").exists():
        pytest.fail(f"the build wrote no {book.html / 'index.html'}; build log:\n{book.log[-4000:]}")
    return collect_references(book.html)


def test_strict_build_passes(book: BuiltBook):
    warnings = [line for line in book.log.splitlines() if "WARNING" in line or "ERROR" in line]
    assert book.returncode == 0, ("jupyter-book build -W -n --keep-going failed:\n" + "\n".join(warnings[:40])
                                  + "\n--- end of log ---\n" + book.log[-3000:])


def test_book_has_real_chapters():
    if USE_PLACEHOLDER:
        pytest.skip("book/ has no chapter notebook listed in _toc.yml yet; the HTML and browser checks ran on "
                    "a throwaway book built in a temporary copy")


@pytest.mark.parametrize("name", BOOK_PAGES)
def test_toc_page_built(book: BuiltBook, name: str):
    assert book.page_path(name).is_file(), f"{name} is listed in _toc.yml but {name}.html was not built"


def test_colab_links_name_tracked_notebooks(book: BuiltBook, references: list[Reference]):
    if book.tracked is None:
        pytest.skip(f"{book.source} is not a git work tree, so tracked notebooks cannot be listed")
    bad = find_bad_colab_links(references, CONFIG, book.tracked)
    assert not bad, "\n".join(bad)


def test_every_notebook_page_has_colab_link(book: BuiltBook, references: list[Reference]):
    prefix = colab_prefix(CONFIG)
    notebooks = [name for name in book.pages if _source_suffix(book.source, name) == ".ipynb"]
    assert notebooks, "the book has no notebook page, so no Colab button was checked"
    for name in notebooks:
        page = f"{name}.html"
        links = [r.url for r in references if r.page == page and r.url.startswith(prefix)]
        assert any(unquote(url).endswith(f"/{name}.ipynb") for url in links), (
            f"{page} has no Colab link to {name}.ipynb; found {links}")


def test_local_links_resolve(book: BuiltBook, references: list[Reference]):
    broken = find_broken_local_references(book.html, references)
    assert not broken, f"{len(broken)} broken local links:\n" + "\n".join(broken[:50])


def test_images_exist(book: BuiltBook, references: list[Reference]):
    bad = find_bad_images(book.html, references)
    assert not bad, "\n".join(bad)


def test_static_checkers_catch_faults(tmp_path: Path):
    html = tmp_path / "html"
    (html / "book").mkdir(parents=True)
    (html / "_images").mkdir()
    (html / "_images" / "ok.png").write_bytes(_png(4, 4))
    (html / "_images" / "empty.png").write_bytes(b"")
    (html / "book" / "a.html").write_text(
        '<html><body><h1 id="top">A</h1>'
        '<a href="#top">ok</a><a href="b.html#missing">bad anchor</a><a href="gone.html">bad file</a>'
        '<a href="../../outside.html">outside</a><a href="https://example.org/x.html">external</a>'
        '<img src="../_images/ok.png"><img src="../_images/none.png"><img src="../_images/empty.png">'
        '<img src="https://example.org/a.png">'
        '<a href="https://colab.research.google.com/github/o/r/blob/main/book/a.ipynb">tracked</a>'
        '<a href="https://colab.research.google.com/github/o/r/blob/main/book/untracked.ipynb">untracked</a>'
        '<a href="https://colab.research.google.com/github/other/r/blob/main/book/a.ipynb">other repo</a>'
        '<a href="https://colab.research.google.com/github/o/r/blob/main/book/a.md">markdown</a>'
        '</body></html>')
    (html / "book" / "b.html").write_text('<html><body><p id="here">B</p></body></html>')
    (html / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=book/missing.html" />')
    refs = collect_references(html)
    config = {"launch_buttons": {"colab_url": "https://colab.research.google.com"},
              "repository": {"url": "https://github.com/o/r", "branch": "main"}}

    broken = "\n".join(find_broken_local_references(html, refs))
    assert "no id 'missing' in book/b.html" in broken
    assert "missing file book/gone.html" in broken
    assert "points outside the site" in broken
    assert "missing file book/missing.html" in broken
    assert "#top" not in broken
    assert "example.org" not in broken

    images = "\n".join(find_bad_images(html, refs))
    assert "missing file _images/none.png" in images
    assert "empty file _images/empty.png" in images
    assert "is remote" in images
    assert "ok.png" not in images

    colab = "\n".join(find_bad_colab_links(refs, config, {"book/a.ipynb"}))
    assert "untracked.ipynb', which git does not track" in colab
    assert "github/other/r" in colab
    assert "which is not a notebook" in colab
    assert colab.count("\n") == 2, colab


# ---------------------------------------------------------------------------------------------------------
# Browser checks


def _chromium_path() -> str | None:
    configured = os.environ.get("MMDLIB_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _unavailable(reason: str) -> None:
    """Skip the browser checks, or fail them when MMDLIB_REQUIRE_BROWSER=1 requires a browser."""
    if os.environ.get("MMDLIB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"MMDLIB_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """Launch headless Chromium through Playwright once per module and close it, with its driver, afterwards."""
    executable = _chromium_path()
    if executable is None:
        _unavailable("no Chromium found (apt-get install -y chromium, or set MMDLIB_CHROMIUM)")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        _unavailable(f"the playwright package is not importable ({error}); pip install -r requirements.txt")
    try:
        driver = sync_playwright().start()
    except (PlaywrightError, OSError) as error:
        _unavailable(f"Playwright's driver failed to start: {error}")
    try:
        instance = driver.chromium.launch(executable_path=executable, timeout=BROWSER_LAUNCH_TIMEOUT_MS,
                                          args=["--disable-gpu", "--disable-dev-shm-usage"])
    except PlaywrightError as error:
        driver.stop()
        _unavailable(f"Chromium at {executable} failed to start: {error}")
    try:
        yield instance
    finally:
        instance.close()
        driver.stop()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 (signature fixed by the base class)
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on 127.0.0.1 at a free port and return its base URL; stop on exit."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def site(book: BuiltBook) -> Iterator[str]:
    if not (book.html / "index.html").exists():
        pytest.fail(f"the build wrote no {book.html / 'index.html'}; build log:\n{book.log[-4000:]}")
    with serve(book.html) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def screenshot_dir() -> Path:
    """Return ``_build/screenshots/``, emptied of the screenshots of earlier runs."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS


# Runs inside the page: waits for images and MathJax (bounded by waitMs), then returns what the rendered page shows.
INSPECT_PAGE_JS = r"""
async (waitMs) => {
  const deadline = Date.now() + waitMs;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const remaining = () => Math.max(0, deadline - Date.now());
  const withTimeout = (promise) => Promise.race([promise, sleep(remaining())]);

  const images = Array.from(document.images);
  images.forEach((img) => { img.loading = "eager"; });
  await withTimeout(Promise.all(images.map((img) => img.complete ? null : new Promise((resolve) => {
    img.addEventListener("load", resolve); img.addEventListener("error", resolve);
  }))));

  const mathElements = Array.from(document.querySelectorAll(".math"));
  const mathjaxScript = !!document.querySelector("script[src*='mathjax' i]");
  const mathjaxReady = () => !!(window.MathJax && window.MathJax.startup && window.MathJax.startup.promise);
  while (mathElements.length && mathjaxScript && !mathjaxReady() && remaining() > 0) {
    await sleep(100);
  }
  const mathjax = mathjaxReady();
  if (mathjax) { await withTimeout(window.MathJax.startup.promise); }

  const untypeset = mathElements.filter((el) => !el.querySelector("mjx-container"))
    .map((el) => el.textContent.trim().slice(0, 80));
  const mathErrors = Array.from(document.querySelectorAll("mjx-merror"))
    .map((el) => el.getAttribute("data-mjx-error") || "(no message)");
  const undefinedMacros = [];
  if (mathjax && window.MathJax.startup.document && window.MathJax.startup.toMML) {
    // MathJax's noundefined extension typesets an unknown macro as red text instead of raising.
    for (const item of Array.from(window.MathJax.startup.document.math)) {
      const mml = window.MathJax.startup.toMML(item.root);
      for (const match of mml.matchAll(/<mtext mathcolor="red">(\\[A-Za-z]+)<\/mtext>/g)) {
        undefinedMacros.push(match[1]);
      }
    }
  }

  const visible = document.body.cloneNode(true);
  visible.querySelectorAll("mjx-container, script, style, noscript, template, pre, code, textarea, .highlight")
    .forEach((el) => el.remove());
  return {
    mathElements: mathElements.length,
    mathjaxScript,
    mathjax,
    containers: document.querySelectorAll("mjx-container").length,
    untypeset,
    mathErrors,
    undefinedMacros,
    text: visible.textContent,
    images: images.map((img) => ({src: img.getAttribute("src"), complete: img.complete,
                                  naturalWidth: img.naturalWidth})),
  };
}
"""


@dataclass
class PageReport:
    """What the browser saw on one page."""

    url: str
    result: dict
    script_errors: list[str]
    failed_requests: list[str]
    blocked_requests: list[str]

    def raw_tex(self) -> list[str]:
        text = self.result["text"]
        return [text[max(0, m.start() - 30):m.end() + 30] for m in RAW_TEX.finditer(text)]

    def broken_images(self) -> list[str]:
        return [image["src"] for image in self.result["images"]
                if not image["complete"] or image["naturalWidth"] == 0]


def _save_screenshot(page, path: Path) -> None:
    """Save a full-page screenshot, or only the first screen when the page is too tall for Chromium to capture."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        page.screenshot(path=str(path), full_page=True, timeout=PAGE_TIMEOUT_MS)
    except PlaywrightError:
        page.screenshot(path=str(path), full_page=False, timeout=PAGE_TIMEOUT_MS)


def inspect_page(browser, url: str, screenshot: Path | None) -> PageReport:
    """Open ``url`` in a fresh page that may only reach its own host, wait for it to render, and report."""
    script_errors: list[str] = []
    failed: list[str] = []
    blocked: list[str] = []
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)

        def route(request_route):
            request_url = request_route.request.url
            if request_url.startswith((origin + "/", "data:", "blob:")):
                request_route.continue_()
            else:
                blocked.append(request_url)
                request_route.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda error: script_errors.append(str(error)))
        page.on("response", lambda response: failed.append(f"{response.status} {response.url}")
                if response.status >= 400 else None)
        page.goto(url, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        result = page.evaluate(INSPECT_PAGE_JS, RENDER_WAIT_MS)
        if screenshot is not None:
            _save_screenshot(page, screenshot)
    finally:
        context.close()
    return PageReport(url, result, script_errors, failed, blocked)


def _screenshot_name(name: str) -> str:
    prefix = "placeholder__" if USE_PLACEHOLDER else ""
    return prefix + name.replace("/", "__") + ".png"


@pytest.mark.parametrize("name", BOOK_PAGES)
def test_page_renders_in_chromium(book: BuiltBook, browser, site: str, screenshot_dir: Path, name: str):
    if not book.page_path(name).is_file():
        pytest.fail(f"{name}.html was not built, see test_strict_build_passes")
    report = inspect_page(browser, site + f"{name}.html", screenshot_dir / _screenshot_name(name))
    result = report.result

    script_errors = [error for error in report.script_errors if error not in KNOWN_SCRIPT_ERRORS]
    assert not script_errors, f"{name}: script errors {script_errors}"
    assert not report.failed_requests, f"{name}: failed requests {report.failed_requests}"
    if result["mathElements"]:
        assert result["mathjaxScript"], f"{name}: {result['mathElements']} math elements but no MathJax script"
        assert result["mathjax"], f"{name}: {result['mathElements']} math elements but MathJax did not load"
    assert not result["untypeset"], f"{name}: math left untypeset: {result['untypeset']}"
    assert not result["mathErrors"], f"{name}: MathJax errors: {result['mathErrors']}"
    assert not result["undefinedMacros"], f"{name}: undefined TeX macros: {result['undefinedMacros']}"
    assert not report.raw_tex(), f"{name}: raw TeX in the rendered text: {report.raw_tex()}"
    assert not report.broken_images(), f"{name}: images that did not load: {report.broken_images()}"


def test_placeholder_math_and_figure_render(book: BuiltBook, browser, site: str):
    if not USE_PLACEHOLDER:
        pytest.skip("the real chapters are checked by test_page_renders_in_chromium")
    report = inspect_page(browser, site + "book/placeholder_chapter.html", None)
    assert report.result["containers"] >= 1
    assert [image["naturalWidth"] for image in report.result["images"] if "_images" in image["src"]] == [64]


def test_browser_checker_catches_faults(book: BuiltBook, browser, tmp_path: Path):
    page_name = next((name for name in book.pages if _source_suffix(book.source, name) == ".ipynb"), book.pages[0])
    site_copy = tmp_path / "html"
    shutil.copytree(book.html, site_copy)
    page = site_copy / f"{page_name}.html"
    original = page.read_text(encoding="utf-8")

    without_mathjax = BeautifulSoup(original, "html.parser")
    for script in without_mathjax.find_all("script", src=re.compile("mathjax", re.I)):
        script.decompose()
    without_mathjax.body.append(BeautifulSoup(
        r'<p>Inline <span class="math notranslate nohighlight">\(x^2\)</span></p>'
        '<img src="no-such-figure.png" alt="missing">', "html.parser"))
    page.write_text(str(without_mathjax), encoding="utf-8")

    undefined_macro = BeautifulSoup(original, "html.parser")
    undefined_macro.body.append(BeautifulSoup(
        r'<p>Bad <span class="math notranslate nohighlight">\(\notamacro{x}\)</span>'
        r'<span class="math notranslate nohighlight">\(\frac{1}\)</span></p>', "html.parser"))
    page.with_name("undefined_macro.html").write_text(str(undefined_macro), encoding="utf-8")

    with serve(site_copy) as base_url:
        report = inspect_page(browser, base_url + f"{page_name}.html", None)
        macro_report = inspect_page(browser, base_url + f"{posixpath.dirname(page_name)}/undefined_macro.html",
                                    None)
    assert macro_report.result["mathjax"]
    assert macro_report.result["undefinedMacros"] == [r"\notamacro"]
    assert macro_report.result["mathErrors"], "a \\frac with one argument should give a MathJax error"
    assert not report.result["mathjaxScript"]
    assert not report.result["mathjax"]
    assert report.result["untypeset"]
    assert any(r"\(x^2\)" in snippet for snippet in report.raw_tex())
    assert "no-such-figure.png" in report.broken_images()
    assert any("no-such-figure.png" in request for request in report.failed_requests)
