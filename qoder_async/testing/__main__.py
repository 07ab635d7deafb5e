"""``python -m qoder_async.testing``: serve the emulator (see ``_cli``)."""

import sys

from ._cli import main

sys.exit(main())
