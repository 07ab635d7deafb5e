"""examples/service.py end to end: a real browser (Debian's chromium, driven by Playwright).

Needs ``apt-get install -y chromium`` and ``pip install playwright`` (never
``playwright install``: the system's chromium is used).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from qoder_async.testing import Emulator

from ._support import example_env, free_port, start_example, wait_until

if TYPE_CHECKING:  # imported in the fixture, which says how to install it when it is missing
    from playwright.sync_api import Browser, ConsoleMessage, Page, Response

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


@pytest.fixture(scope="module")
def launch() -> Iterator[Callable[[], Browser]]:
    """Starts headless Chromiums (each closed at the end of the module)."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("the browser test needs Debian's chromium: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser test needs Playwright: pip install playwright")
    with sync_playwright() as playwright:
        browsers: list[Browser] = []

        def new_browser() -> Browser:
            browsers.append(
                playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            )
            return browsers[-1]

        try:
            yield new_browser
        finally:
            for browser in browsers:
                browser.close()


@pytest.fixture(scope="module")
def browser(launch: Callable[[], Browser]) -> Browser:
    """One headless Chromium for the module's browser tests."""
    return launch()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab (its own cookies and cache) in the module's browser."""
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


def open_chat(page: Page, url: str) -> None:
    """Load the chat page and wait until it can send."""
    page.goto(url)
    page.wait_for_selector("#send:enabled", timeout=30_000)


def wait_for_turns(page: Page, count: int) -> None:
    """Wait until ``count`` replies are complete and the session is idle again."""
    page.wait_for_function(
        """(count) => document.querySelectorAll(".bubble.agent:not(.streaming)").length === count
                && document.getElementById("status").textContent === 'ready'""",
        arg=count,
        timeout=30_000,
    )


def take_turn(page: Page, text: str, count: int) -> None:
    """Type ``text``, send it and wait for the ``count``-th reply."""
    page.fill("#text", text)
    page.click("#send")
    wait_for_turns(page, count)


def conversation(page: Page) -> list[tuple[str, str]]:
    """The user, tool and agent bubbles in order, as (kind, text)."""
    bubbles = page.locator(".bubble.user, .bubble.tool, .bubble.agent")
    pairs = bubbles.evaluate_all("(all) => all.map((b) => [b.classList[1], b.innerText])")
    return [(kind, text) for kind, text in pairs]


def test_a_message_typed_in_the_browser_gets_the_agents_reply_streamed_in(
    service_url: str, page: Page
) -> None:
    open_chat(page, service_url)
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


def test_the_reply_shows_the_agents_text_blocks_as_they_join(service_url: str, page: Page) -> None:
    open_chat(page, service_url)
    take_turn(page, "Hi", 1)
    reply = page.locator(".bubble.agent").last.inner_text()
    # The scripted answer's second block starts its own paragraph: one blank line, no more.
    assert "on this session.\n\nI saved this answer as answer.md" in reply


def test_the_input_stays_in_view_and_usable_after_many_turns_in_a_small_window(
    service_url: str, page: Page
) -> None:
    page.set_viewport_size({"width": 480, "height": 360})
    open_chat(page, service_url)
    for number in range(1, 6):
        take_turn(page, f"Question {number}", number)
    box = page.locator("#text").bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= 360
    newest = page.locator(".bubble.agent").last.bounding_box()
    log = page.locator("#log").bounding_box()
    assert newest is not None
    assert log is not None
    assert newest["y"] + newest["height"] <= log["y"] + log["height"] + 1  # the log follows it
    # Used the way a person would: click where the box is seen, type, press Enter.
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.keyboard.type("Question 6")
    page.keyboard.press("Enter")
    wait_for_turns(page, 6)
    assert page.locator(".bubble.agent").last.inner_text().startswith('You asked: "Question 6"')


def test_a_reload_shows_the_same_conversation_and_carries_on(service_url: str, page: Page) -> None:
    open_chat(page, service_url)
    take_turn(page, "First question", 1)
    take_turn(page, "Second question", 2)
    before = conversation(page)
    assert "?session=sess_" in page.url
    page.reload()
    page.wait_for_selector("#send:enabled", timeout=30_000)
    assert conversation(page) == before
    take_turn(page, "Third question", 3)  # and nothing from before is drawn twice
    after = conversation(page)
    assert after[: len(before)] == before
    assert [kind for kind, _ in after[len(before) :]] == ["user", "tool", "agent"]


def test_a_link_to_a_session_the_api_does_not_know_opens_a_new_one(
    service_url: str, page: Page
) -> None:
    unknown = f"sess_{'0' * 32}"
    assert httpx.get(f"{service_url}/sessions/{unknown}/history").status_code == 404
    open_chat(page, f"{service_url}/?session={unknown}")
    assert "?session=sess_" in page.url
    assert unknown not in page.url
    take_turn(page, "Anyone there?", 1)


def test_thinking_is_shown_under_a_label_apart_from_the_answer(
    service_url: str, page: Page
) -> None:
    open_chat(page, service_url)
    take_turn(page, "Think first", 1)
    thinking = page.locator(".bubble.thinking").first
    assert thinking.locator(".label").inner_text() == "thinking"
    assert thinking.locator(".label").is_visible()
    assert thinking.locator("span:last-child").inner_text().startswith("The user wrote:")
    assert page.locator(".bubble.agent .label").count() == 0


def test_a_page_load_and_a_turn_have_no_failed_requests_or_console_errors(
    service_url: str, launch: Callable[[], Browser]
) -> None:
    page = launch().new_page()  # a browser of its own: Chromium asks for a favicon only once
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"{message.location['url']}: {message.text}")

    def response(answer: Response) -> None:
        if answer.status >= 400:
            problems.append(f"{answer.url}: {answer.status}")

    page.on("console", console)
    page.on("response", response)
    page.on("requestfailed", lambda request: problems.append(f"{request.url}: failed"))
    open_chat(page, service_url)
    take_turn(page, "Hello", 1)
    assert problems == []


def test_the_service_log_shows_its_own_requests_and_none_of_the_embedded_emulators() -> None:
    port = free_port()
    service = start_example("service.py", "--port", str(port), env=example_env(None))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _serving(url) or service.poll() is not None, what="the service")
        with httpx.Client(base_url=url, timeout=30) as http:
            session_id = http.post("/sessions").json()["id"]
            assert http.post(f"/sessions/{session_id}/messages", json={"text": "hi"}).is_success
    finally:
        service.terminate()
        out, err = service.communicate(timeout=30)
    log = out + err  # uvicorn writes its access log to stdout, the rest to stderr
    assert '"POST /sessions HTTP/1.1" 201' in log
    assert "/api/v1/" not in log  # the emulator's paths: /api/v1/cloud/sessions, ...


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
