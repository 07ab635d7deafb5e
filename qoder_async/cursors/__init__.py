"""Cursor stores: where a consumer keeps its position in each session's stream (in memory,
in SQLite, batched). The Redis store lives with the fleet, behind the ``redis`` extra.

Public names are re-exported from :mod:`qoder_async`.
"""
