"""``python -m calcidata``: the command line."""

import sys

from calcidata.cli import main

sys.exit(main())
