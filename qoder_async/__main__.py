"""``python -m qoder_async``: the ``qoder-async`` command line."""

import sys

from qoder_async.cli import main

sys.exit(main())
