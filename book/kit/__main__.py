"""``python -m book.kit``: see ``book.kit.cli``."""

from book.kit.cli import main

raise SystemExit(main())
