"""Command line: ``python -m qoder_async.testing`` serves the emulator until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from ._defaults import DEFAULT_PACE
from ._faults import RequestFault, StreamFault
from ._ids import ID_SCHEMES
from ._server import Emulator

__all__ = ["build_parser", "main"]

LINE_ENDINGS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed so another CLI can embed or extend it)."""
    parser = argparse.ArgumentParser(
        prog="python -m qoder_async.testing",
        description="Serve a local emulator of the Qoder Cloud Agents API. "
        "Prints the base URL on the first line, then serves until SIGINT/SIGTERM.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument(
        "--pace",
        type=float,
        default=DEFAULT_PACE,
        help=f"seconds before each turn event (default {DEFAULT_PACE}: a turn takes about 1 s, "
        "as on the real service, so a message sent while it runs gets 409); 0 runs turns "
        "as fast as possible",
    )
    parser.add_argument(
        "--ids",
        choices=ID_SCHEMES,
        default="ordered",
        help="ordered: time-ordered ids, as the API issues them (default); random: 128 random "
        "bits in no order, to check that a client treats ids as opaque",
    )
    parser.add_argument("--heartbeat-ms", type=int, default=None, help="SSE heartbeat interval")
    parser.add_argument(
        "--file-download",
        choices=("bytes", "url"),
        default="bytes",
        help="GET /files/{id}/content answers bytes, or a JSON download link",
    )
    wire = parser.add_argument_group("stream wire options (every connection)")
    wire.add_argument("--line-ending", choices=sorted(LINE_ENDINGS), default="lf")
    wire.add_argument("--bom", action="store_true", help="start each body with U+FEFF")
    wire.add_argument("--retry-ms", type=int, default=None, help="send an SSE retry: field")
    wire.add_argument("--multiline-data", action="store_true", help="pretty JSON over data: lines")
    wire.add_argument("--no-event-line", action="store_true", help="omit the event: line")
    wire.add_argument("--omit-data-id", action="store_true", help="drop id from the data JSON")
    faults = parser.add_argument_group("stream faults (for the next --fault-times connections)")
    faults.add_argument("--drop-after", type=int, default=None, help="abort after N frames")
    faults.add_argument("--drop-mid-frame", action="store_true", help="abort inside a frame")
    faults.add_argument("--stall", type=float, default=0.0, help="go silent for SECONDS")
    faults.add_argument("--stall-after", type=int, default=0, help="frames before the stall")
    faults.add_argument("--stream-status", type=int, default=None, help="answer with this status")
    faults.add_argument("--retry-after", default=None, help="Retry-After for --stream-status")
    faults.add_argument("--fault-times", type=int, default=1, help="connections to affect")
    requests = parser.add_argument_group("request faults")
    requests.add_argument("--fail-status", type=int, default=None, help="fail requests with this")
    requests.add_argument("--fail-times", type=int, default=1)
    requests.add_argument("--fail-path", default=None, help="only paths with this prefix")
    return parser


def _stream_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {"line_ending": LINE_ENDINGS[args.line_ending]}
    if args.heartbeat_ms is not None:
        options["heartbeat_ms"] = args.heartbeat_ms
    if args.retry_ms is not None:
        options["retry_ms"] = args.retry_ms
    for flag, name in (
        ("bom", "bom"),
        ("multiline_data", "multiline_data"),
        ("no_event_line", "omit_event_line"),
        ("omit_data_id", "omit_data_id"),
    ):
        if getattr(args, flag):
            options[name] = True
    return options


def _stream_fault(args: argparse.Namespace) -> StreamFault | None:
    fault = StreamFault(
        drop_after=args.drop_after,
        drop_mid_frame=args.drop_mid_frame,
        stall=args.stall,
        stall_after=args.stall_after,
        status=args.stream_status,
        retry_after=args.retry_after,
    )
    return None if fault == StreamFault() else fault


def configure(emulator: Emulator, args: argparse.Namespace) -> None:
    """Apply the parsed wire options and faults to a running emulator."""
    emulator.set_stream_options(None, **_stream_options(args))
    fault = _stream_fault(args)
    if fault is not None:
        emulator.stream_faults(None, [fault] * max(args.fault_times, 0))
    if args.fail_status is not None:
        emulator.request_faults(
            [
                RequestFault(
                    status=args.fail_status, times=args.fail_times, path_prefix=args.fail_path
                )
            ]
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator from the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    heartbeat = 15.0 if args.heartbeat_ms is None else args.heartbeat_ms / 1000
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with Emulator(
            args.port,
            pace=args.pace,
            heartbeat_interval=heartbeat,
            host=args.host,
            file_download=args.file_download,
            ids=args.ids,
        ) as emulator:
            configure(emulator, args)
            print(emulator.base_url, flush=True)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
