"""How encoders cut words into sub-tokens, side by side (``nerlab tokenize``).

WordPiece (MiniLM, BERT) marks continuation pieces with ``##``; SentencePiece (e5 / XLM-R)
marks word starts with ``▁``. A word can become many pieces, and only one of them carries the
word's label in training: that is why label alignment matters. Words are split as the
Predictor splits raw text (:func:`nerlab.data.words.split_words`).

Example:
    >>> [t.tokens for t in tokenize("Angela Merkel", ["minilm-l6"])]  # doctest: +SKIP
    [['[CLS]', 'angela', 'mer', '##kel', '[SEP]']]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nerlab.data.words import split_words


@dataclass(frozen=True)
class Tokenized:
    """A text as one model's tokenizer cuts it.

    Attributes:
        model: the model name as given.
        words: the words of the text.
        tokens: every sub-token, special tokens included.
        word_ids: for each sub-token, the index of its word (``None`` for special tokens).
    """

    model: str
    words: list[str]
    tokens: list[str]
    word_ids: list[int | None]

    def pieces(self) -> list[list[str]]:
        """The sub-tokens of each word, in word order."""
        out: list[list[str]] = [[] for _ in self.words]
        for token, w in zip(self.tokens, self.word_ids, strict=True):
            if w is not None:
                out[w].append(token)
        return out

    @property
    def special(self) -> int:
        """How many special tokens (CLS, SEP, <s>, </s>) the input gets."""
        return sum(w is None for w in self.word_ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "tokens": self.tokens,
            "word_ids": self.word_ids,
            "words": [
                {"word": w, "pieces": p, "count": len(p)}
                for w, p in zip(self.words, self.pieces(), strict=True)
            ],
            "special_tokens": self.special,
        }


def tokenize(text: str, models: Sequence[str]) -> list[Tokenized]:
    """Cut ``text`` into words, then each word into each model's sub-tokens.

    Args:
        text: any text.
        models: built-in names, model folders or hub ids.

    Raises:
        ModelError: an unknown model or one without a usable fast tokenizer.
    """
    from nerlab.models.registry import resolve_model
    from nerlab.models.saved import load_tokenizer

    words = [w for w, _, _ in split_words(text)]
    out = []
    for name in models:
        tokenizer = load_tokenizer(resolve_model(name))
        enc = tokenizer(words, is_split_into_words=True)
        tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"])
        out.append(Tokenized(name, words, list(tokens), list(enc.word_ids())))
    return out
