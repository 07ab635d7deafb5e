"""The documentation site, built from mkdocs.yml and looked at in a real browser.

Needs the ``docs`` extra (MkDocs, mkdocstrings, Material), Debian's ``chromium`` and
``pip install playwright`` (never ``playwright install``: the system's chromium is used).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site without a log line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site built with ``mkdocs build --strict`` and served on 127.0.0.1."""
    if importlib.util.find_spec("mkdocs") is None:
        pytest.fail("the site test needs the docs extra: pip install -e '.[docs]'")
    site = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium, driven by Playwright."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("the site test needs Debian's chromium: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the site test needs Playwright: pip install playwright")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def test_the_home_page_renders_the_guide(site_url: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(site_url + "/")
    assert page.inner_text("article h1").startswith("qoder_async")
    page.click("article a[href='quickstart/']")
    page.wait_for_url(site_url + "/quickstart/")
    assert page.inner_text("article h1").startswith("Quickstart")


def test_the_reference_page_renders_each_public_name_from_its_docstring(
    site_url: str, browser: Any
) -> None:
    page = browser.new_page()
    page.goto(site_url + "/reference/")
    heading = page.locator("[id='qoder_async.AsyncQoder']")
    assert heading.is_visible()
    section = heading.locator("xpath=..")
    assert "The asynchronous client of the Qoder Cloud Agents API." in section.inner_text()
    assert page.locator("[id='qoder_async.testing.pytest_plugin.qoder_client']").count() == 1


def test_searching_finds_a_page(site_url: str, browser: Any) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = browser.new_page()
    page.goto(site_url + "/")
    page.wait_for_load_state("networkidle")  # the search index and its worker
    query = page.locator("input[data-md-component='search-query']")
    result = page.locator(".md-search-result__item a").first
    # A query typed before the search worker is ready is dropped, not queued (seen on a
    # loaded machine): type it again until results show, for at most 30 s.
    for _ in range(6):
        query.fill("")
        query.press_sequentially("rendezvous")
        try:
            result.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    result.wait_for(timeout=1_000)
    assert "cursors/" in (result.get_attribute("href") or "")
