"""The data of the API: attrs models, events, request params, content blocks, and the one
cattrs converter that turns JSON into them and them into JSON.

The bottom of the package: it imports nothing of qoder_async but the error tree and the
config values. Public names are re-exported from :mod:`qoder_async`.
"""
