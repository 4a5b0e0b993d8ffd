"""The offline kit: a tokenizer and a small GPT-2-style LM really pre-trained on this machine.

CI, the published site and air-gapped workshops cannot reach the Hugging Face Hub, so the
course builds its own assets once (``python -m book.kit build``, a few minutes on 2 cores) in
``book.config.cache_dir() / "kit"`` and loads them with the same ``from_pretrained`` calls a
student uses with hub ids::

    from book import kit
    folder = kit.ensure().lm            # build if missing or corrupt, else verify
    AutoModelForCausalLM.from_pretrained(folder)

``kit.paths()`` gives the folders without building; ``kit.read_manifest()`` what was built,
from which corpus, and how well it learned. Importing this package does not import torch.
"""

from book.kit.cache import ensure, problem, read_manifest, verify
from book.kit.layout import KitError, KitPaths, paths
from book.kit.presets import DEFAULT_PRESET, PRESETS, get_preset

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "KitError",
    "KitPaths",
    "ensure",
    "get_preset",
    "paths",
    "problem",
    "read_manifest",
    "verify",
]
