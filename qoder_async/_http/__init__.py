"""The HTTP layer: requests with retries, streaming responses, URLs, headers, transports.

Everything that talks to the API goes through :class:`HTTPCore`; the resources and the
streams know it and nothing above it. Public names are re-exported from :mod:`qoder_async`.
"""
