"""An emulator embedded in a program that serves with uvicorn too leaves that program's log alone.

uvicorn's loggers (``uvicorn.access``, ``uvicorn.error``) are shared by every server in a
process, so these tests give them a handler, as ``uvicorn.run`` does, and look at what it gets.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from qoder_async.testing import Emulator

from ._helpers import TOKEN


class Records(logging.Handler):
    """Keeps every record it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def uvicorn_access_log() -> Iterator[Records]:
    """A handler on ``uvicorn.access`` at INFO, as ``uvicorn.run`` sets one up."""
    logger = logging.getLogger("uvicorn.access")
    saved = logger.level, logger.propagate, list(logger.handlers)
    records = Records()
    logger.setLevel(logging.INFO)
    logger.addHandler(records)
    try:
        yield records
    finally:
        logger.level, logger.propagate = saved[0], saved[1]
        logger.handlers[:] = saved[2]


def test_the_emulators_requests_stay_out_of_a_uvicorn_access_log_set_up_after_it() -> None:
    with Emulator() as emulator, uvicorn_access_log() as access_log:
        response = httpx.get(
            f"{emulator.base_url}/agents", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert response.status_code == 200
        logging.getLogger("uvicorn.access").info("the program's own request")
    assert [record.getMessage() for record in access_log.records] == ["the program's own request"]


def test_starting_an_emulator_keeps_a_uvicorn_access_log_set_up_before_it() -> None:
    logger = logging.getLogger("uvicorn.access")
    with uvicorn_access_log() as access_log, Emulator():
        assert access_log in logger.handlers
        assert logger.level == logging.INFO
