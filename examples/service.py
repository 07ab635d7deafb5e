"""A web service that relays a session's events to the browser over SSE, with a chat page.

    python examples/service.py [--port 8000]     # then open http://127.0.0.1:8000

The first visit opens a session and puts its id in the address (``/?session=…``): each tab
has a conversation of its own, and a reload (or the link, later) draws it again from the
session's history (``GET /sessions/{id}/history``) before following
``GET /sessions/{id}/events?after=…``, an SSE relay of the events after the last one drawn
(message previews included, so the reply streams in; thinking text only comes as a preview,
so a redrawn conversation has none). What the user types goes to
``POST /sessions/{id}/messages``, which waits for a running turn to end instead of failing
with 409. Complete events carry their id, so when the browser's ``EventSource`` reconnects
it sends ``Last-Event-ID`` and the relay resumes the session's stream right after it.
With QODER_ACCESS_TOKEN (or QODER_PAT) set it talks to the API; without, to a local emulator.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

import qoder_async as qa


class Backend:
    """The service's one client, and the agent and environment every chat uses."""

    def __init__(self) -> None:
        self.client: qa.AsyncQoder | None = None
        self.agent_id = ""
        self.environment_id = ""

    @asynccontextmanager
    async def running(self, base_url: str | None, token: str | None) -> AsyncIterator[None]:
        """Open the client and make the agent for the service's lifetime."""
        async with qa.AsyncQoder(token, base_url) as client:
            agent = await client.agents.create(name="web-chat", model="ultimate")
            environment = await client.environments.create(name="web-chat")
            self.client, self.agent_id, self.environment_id = client, agent.id, environment.id
            yield
            self.client = None

    @property
    def api(self) -> qa.AsyncQoder:
        """The client (only while the service runs)."""
        if self.client is None:
            raise RuntimeError("the service is not running")
        return self.client


def sse_frame(event: qa.Event) -> str:
    """One SSE frame for the browser.

    Previews get a small payload of their own and no ``id:`` line: an id there would
    become the browser's ``Last-Event-ID`` although that event is not complete yet.
    """
    if isinstance(event, qa.EventStart):
        start = {"id": event.id, "event_type": event.event_type}
        return f"event: event_start\ndata: {json.dumps(start)}\n\n"
    if isinstance(event, qa.EventDelta):
        delta = {"id": event.id, "index": event.index, "text": event.text}
        return f"event: event_delta\ndata: {json.dumps(delta)}\n\n"
    return f"id: {event.id}\nevent: {event.type}\ndata: {json.dumps(event.raw)}\n\n"


async def relay(session: qa.AsyncSession, last_event_id: str | None) -> AsyncIterator[str]:
    """The session's events as SSE frames, from just after ``last_event_id``."""
    yield "retry: 1000\n\n"
    async with session.events(last_event_id=last_event_id, deltas=True) as stream:
        async for event in stream:
            yield sse_frame(event)


def build_app(base_url: str | None = None, token: str | None = None) -> Starlette:
    """The ASGI app: the chat page, and the JSON and SSE endpoints behind it."""
    backend = Backend()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with backend.running(base_url, token):
            yield

    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def history(request: Request) -> Response:
        session = backend.api.session(request.path_params["session_id"])
        try:
            return JSONResponse([event.raw async for event in session.history()])
        except qa.NotFoundError:  # a deleted session, or a link from an earlier emulator
            return JSONResponse({"error": "no such session"}, status_code=404)

    async def new_session(request: Request) -> Response:
        session = await backend.api.sessions.create(
            agent=backend.agent_id, environment_id=backend.environment_id, title="web chat"
        )
        return JSONResponse({"id": session.id}, status_code=201)

    async def post_message(request: Request) -> Response:
        body = await request.json()
        text = str(body.get("text", "")).strip() if isinstance(body, dict) else ""
        if not text:
            return JSONResponse({"error": "text must not be empty"}, status_code=400)
        session = backend.api.session(request.path_params["session_id"])
        echo = await session.send(text, wait_idle=True)
        return JSONResponse({"id": echo.id}, status_code=202)

    async def events(request: Request) -> Response:
        session = backend.api.session(request.path_params["session_id"])
        # A reconnecting EventSource sends Last-Event-ID; its first request says ?after=.
        after = request.headers.get("last-event-id") or request.query_params.get("after")
        return StreamingResponse(
            relay(session, after),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return Starlette(
        routes=[
            Route("/", page),
            Route("/sessions", new_session, methods=["POST"]),
            Route("/sessions/{session_id}/history", history),
            Route("/sessions/{session_id}/messages", post_message, methods=["POST"]),
            Route("/sessions/{session_id}/events", events),
        ],
        lifespan=lifespan,
    )


PAGE = """<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>qoder_async chat</title>
<link rel="icon" href="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'
  viewBox='0 0 16 16'><circle cx='8' cy='8' r='7' fill='%232563eb'/></svg>">
<style>
  html, body { height: 100%; margin: 0; }
  body { font: 15px/1.45 system-ui, sans-serif; max-width: 46rem; margin: 0 auto;
         padding: 0 1rem; box-sizing: border-box; display: flex; flex-direction: column; }
  #log { flex: 1; overflow-y: auto; display: flex; flex-direction: column; gap: .5rem; }
  .bubble { padding: .5rem .75rem; border-radius: .6rem; white-space: pre-wrap; }
  .user { align-self: flex-end; background: #dbeafe; }
  .agent { align-self: flex-start; background: #f1f5f9; }
  .thinking, .tool { align-self: flex-start; color: #64748b; font-size: 13px; }
  .thinking { border-left: 3px solid #cbd5e1; border-radius: 0; font-style: italic; }
  .label { display: block; font-style: normal; font-weight: 600; }
  .streaming > span:last-child::after { content: "▍"; }
  form { display: flex; gap: .5rem; padding-top: 1rem; }
  #text { flex: 1; padding: .5rem; }
  #status { color: #64748b; font-size: 13px; margin: .5rem 0 1rem; }
</style>
<h1>Chat with an agent</h1>
<div id="log"></div>
<form id="form"><input id="text" autocomplete="off" placeholder="Ask something">
<button id="send" disabled>Send</button></form>
<div id="status">connecting…</div>
<script>
const log = document.getElementById("log"), input = document.getElementById("text");
const send = document.getElementById("send"), status = document.getElementById("status");
const previews = new Map();
let sessionId = new URLSearchParams(location.search).get("session");
let agentStatus = "ready";

const follow = () => { log.scrollTop = log.scrollHeight; };  // keep the newest in view
function bubble(kind, text, id, label) {
  const div = log.appendChild(document.createElement("div"));
  div.className = "bubble " + kind;
  if (label) Object.assign(div.appendChild(document.createElement("span")),
                           {className: "label", textContent: label});
  div.appendChild(document.createElement("span")).textContent = text;  // div.lastChild
  if (id) previews.set(id, div);
  follow();
  return div;
}
const textOf = (ev) =>
  (ev.content || []).filter((b) => b.type === "text").map((b) => b.text).join("");
const setStatus = (text) => { agentStatus = status.textContent = text; };

const handlers = {  // by event type; the history and the live stream both go through them
  "user.message": (ev) => bubble("user", textOf(ev)),
  "agent.tool_use": (ev) => bubble("tool", `⚙ ${ev.name} ${JSON.stringify(ev.input)}`),
  "session.status_running": () => setStatus("the agent is working…"),
  "session.status_idle": () => setStatus("ready"),
  "event_start": (ev) => {
    const thinking = ev.event_type === "agent.thinking";
    bubble(thinking ? "thinking streaming" : "agent streaming", "", ev.id,
           thinking ? "thinking" : null);
  },
  "event_delta": (ev) => {  // text blocks follow one another; each carries its own breaks
    const div = previews.get(ev.id);
    if (!div) return;
    div.lastChild.textContent += ev.text;
    follow();
  },
  "agent.message": (ev) => {
    const div = previews.get(ev.id) || bubble("agent", "", ev.id);
    div.lastChild.textContent = textOf(ev);
    div.classList.remove("streaming");
    follow();
  },
  // Thinking text only comes as a preview: without one (after a reload) there is none to show.
  "agent.thinking": (ev) => previews.get(ev.id)?.classList.remove("streaming"),
};

async function pastEvents() {  // this page's session's history, or a new session
  if (sessionId) {
    const response = await fetch(`/sessions/${sessionId}/history`);
    if (response.ok) return response.json();
  }
  sessionId = (await (await fetch("/sessions", {method: "POST"})).json()).id;
  history.replaceState(null, "", `?session=${sessionId}`);
  return [];
}

async function start() {
  const past = await pastEvents();
  for (const ev of past) handlers[ev.type]?.(ev);
  const after = past.length ? `?after=${past[past.length - 1].id}` : "";
  const source = new EventSource(`/sessions/${sessionId}/events${after}`);
  source.addEventListener("open", () => {
    send.disabled = false;
    status.textContent = agentStatus;
  });
  source.addEventListener("error", () => { status.textContent = "reconnecting…"; });
  for (const [type, handle] of Object.entries(handlers))
    source.addEventListener(type, (e) => handle(JSON.parse(e.data)));
}

document.getElementById("form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text || !sessionId) return;
  input.value = "";
  await fetch(`/sessions/${sessionId}/messages`, {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({text}),
  });
});
start();
</script>
</html>
"""


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    if os.environ.get("QODER_ACCESS_TOKEN") or os.environ.get("QODER_PAT"):
        uvicorn.run(build_app(), host=args.host, port=args.port)
    else:
        from qoder_async.testing import Emulator

        with Emulator(pace=0.05) as emulator:
            uvicorn.run(build_app(emulator.base_url, "emulator"), host=args.host, port=args.port)
