"""A byte-level BPE tokenizer trained on the kit corpus, wrapped as a ``transformers`` tokenizer.

Byte-level BPE (Sennrich et al. 2016, https://arxiv.org/abs/1508.07909; bytes as the base
alphabet as in GPT-2, Radford et al. 2019) never meets an unknown character, so the same
tokenizer handles code, prose and emoji. It is trained with the ``tokenizers`` library and
saved with ``save_pretrained``: ``AutoTokenizer.from_pretrained(folder)`` then loads it
exactly like a hub tokenizer.

Special tokens: ``<|endoftext|>`` is beginning, end and unknown token like in GPT-2; ``<pad>``
is a real padding token (GPT-2 has none, a classic source of bugs); ``<mask>`` lets a chapter
show ``DataCollatorForLanguageModeling(mlm=True)`` with the same tokenizer.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

EOS = "<|endoftext|>"
PAD = "<pad>"
MASK = "<mask>"
SPECIAL_TOKENS = (EOS, PAD, MASK)


def train_tokenizer(
    texts: Iterable[str], vocab_size: int, model_max_length: int
) -> PreTrainedTokenizerFast:
    """Train byte-level BPE with ``vocab_size`` entries (special tokens and 256 bytes included)."""
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token=EOS,
        eos_token=EOS,
        unk_token=EOS,
        pad_token=PAD,
        mask_token=MASK,
        model_max_length=model_max_length,
    )
