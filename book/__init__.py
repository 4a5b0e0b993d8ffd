"""Runtime for the course "Fine-tuning language models, hands-on".

Every chapter and exercise imports from here. Submodules:

- ``book.config``   where assets come from (offline kit or hub) and where the cache lives
- ``book.models``   short model names -> hub id or offline-kit directory
- ``book.data``     labeled and unlabeled datasets with one schema (``text``, ``label``)
- ``book.kit``      builds and caches the offline kit (pre-trained tokenizer + LM, datasets)
- ``book.envcheck`` "is my machine ready?" report
- ``book.smoke``    ``FTCOURSE_SMOKE_STEPS``: a test knob that shortens every Trainer run
"""

from book import smoke as _smoke

__version__ = "0.1.0"

_smoke.install()  # nothing unless FTCOURSE_SMOKE_STEPS is set
