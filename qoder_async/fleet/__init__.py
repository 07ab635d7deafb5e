"""Fleets of workers that share sessions through Redis: cursors, leases with fencing tokens,
and rendezvous hashing. Needs the ``redis`` extra and runs on asyncio only (redis.asyncio).

Nothing below this folder imports it; public names are re-exported from :mod:`qoder_async`,
and ``redis`` is imported only when one of them is used.
"""
