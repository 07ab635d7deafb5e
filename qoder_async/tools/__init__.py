"""Tools and approvals: ``@qa.tool`` functions the agent calls, the checks on their input,
the runner that answers a batch of pending calls at most once, and the approval types.

Below resources (it posts through a callable it is given). Public names are re-exported
from :mod:`qoder_async`.
"""
