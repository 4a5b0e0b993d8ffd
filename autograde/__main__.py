"""``python -m autograde`` is the ``autograde`` command."""

import sys

from autograde.cli import main

sys.exit(main())
