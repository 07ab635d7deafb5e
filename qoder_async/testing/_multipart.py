"""A small multipart/form-data parser (the emulator avoids optional dependencies)."""

from __future__ import annotations

from dataclasses import dataclass

from ._errors import bad_request

__all__ = ["FormPart", "parse_form"]


@dataclass(frozen=True)
class FormPart:
    """One part of a form: its field name, optional filename and media type, and bytes."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def _params(header_value: str) -> tuple[str, dict[str, str]]:
    """Split ``form-data; name="file"; filename="a.txt"`` into a value and its parameters."""
    pieces: list[str] = []
    current, quoted = "", False
    for char in header_value:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            pieces.append(current)
            current = ""
        else:
            current += char
    pieces.append(current)
    params: dict[str, str] = {}
    for piece in pieces[1:]:
        key, _, value = piece.strip().partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"')
        params[key.lower()] = value
    return pieces[0].strip().lower(), params


def parse_form(content_type: str, body: bytes) -> list[FormPart]:
    """Parse a ``multipart/form-data`` body; a 400 ``ApiError`` if it is malformed."""
    kind, params = _params(content_type)
    boundary = params.get("boundary")
    if kind != "multipart/form-data" or not boundary:
        raise bad_request("The request must be multipart/form-data with a boundary.")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3:
        raise bad_request("The multipart body has no parts.")
    parts: list[FormPart] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        head, separator, data = chunk.partition(b"\r\n\r\n")
        if not separator:
            raise bad_request("A multipart part has no header block.")
        data = data.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        _, disposition = _params(headers.get("content-disposition", ""))
        if "name" not in disposition:
            raise bad_request("A multipart part has no name.")
        parts.append(
            FormPart(
                disposition["name"], disposition.get("filename"), headers.get("content-type"), data
            )
        )
    return parts
