"""Event streams: sans-I/O SSE decoding, the resumable :class:`EventStream`, the fan-out
hub, live text from deltas, and streams that commit to a cursor store.

Streams talk to the API through the HTTP layer only. Public names are re-exported from
:mod:`qoder_async`.
"""
