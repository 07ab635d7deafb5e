"""examples/service.py end to end: a real browser (Debian's chromium, driven by Playwright).

Needs ``apt-get install -y chromium`` and ``pip install playwright`` (never
``playwright install``: the system's chromium is used).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import httpx
import pytest

from qoder_async.testing import Emulator

from ._support import example_env, free_port, start_example, wait_until

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
]


def _serving(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def service_url() -> Iterator[str]:
    """The service, on a free port, in front of an emulator that paces its events."""
    with Emulator(pace=0.02) as emulator:
        port = free_port()
        service = start_example("service.py", "--port", str(port), env=example_env(emulator))
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: _serving(url) or service.poll() is not None, what="the service")
            assert service.poll() is None, service.communicate()[1]
            yield url
        finally:
            service.terminate()
            service.communicate(timeout=30)


def test_a_message_typed_in_the_browser_gets_the_agents_reply_streamed_in(
    service_url: str,
) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("the browser test needs Debian's chromium: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser test needs Playwright: pip install playwright")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(service_url)
            page.wait_for_selector("#send:enabled", timeout=30_000)
            page.evaluate(
                """() => {
                    window.sawPreview = false;
                    new MutationObserver(() => {
                        if (document.querySelector(".agent.streaming")) window.sawPreview = true;
                    }).observe(document.getElementById("log"), {childList: true, subtree: true});
                }"""
            )
            page.fill("#text", "Hello from Chromium")
            page.click("#send")
            reply = page.wait_for_selector(".bubble.agent:not(.streaming)", timeout=30_000)
            assert reply is not None
            assert reply.inner_text().startswith('You asked: "Hello from Chromium".')
            assert page.inner_text(".bubble.user") == "Hello from Chromium"
            assert page.locator(".bubble.tool").count() == 1  # the Glob call
            assert page.evaluate("window.sawPreview") is True
            page.wait_for_function(
                "document.getElementById('status').textContent === 'ready'", timeout=30_000
            )
        finally:
            browser.close()


def test_the_relay_resumes_after_last_event_id(service_url: str) -> None:
    with httpx.Client(base_url=service_url, timeout=30) as http:
        session_id = http.post("/sessions").json()["id"]
        with http.stream("GET", f"/sessions/{session_id}/events") as live:
            assert http.post(f"/sessions/{session_id}/messages", json={"text": "hi"}).is_success
            frames = _frames_until_idle(live)
        complete = [f for f in frames if "id" in f]
        assert all(f["event"] not in ("event_start", "event_delta") for f in complete)
        resume_after = complete[2]["id"]
        headers = {"Last-Event-ID": resume_after}
        with http.stream("GET", f"/sessions/{session_id}/events", headers=headers) as resumed:
            replayed = [f for f in _frames_until_idle(resumed) if "id" in f]
    assert [f["id"] for f in replayed] == [f["id"] for f in complete[3:]]


def _frames_until_idle(response: httpx.Response) -> list[dict[str, str]]:
    """SSE frames as dicts of their fields, up to and including ``session.status_idle``."""
    frames: list[dict[str, str]] = []
    frame: dict[str, str] = {}
    for line in response.iter_lines():
        if line:
            name, _, value = line.partition(": ")
            frame[name] = value
            continue
        if "event" in frame:
            json.loads(frame["data"])  # every frame carries JSON
            frames.append(frame)
            if frame["event"] == "session.status_idle":
                return frames
        frame = {}
    raise AssertionError("the stream ended before session.status_idle")
