"""nerlab: fine-tune, evaluate, analyse and serve transformer encoders for NER.

The public API is flat; see ``__all__``.
"""

from __future__ import annotations

from nerlab.data.corpus import Corpus, Sentence
from nerlab.errors import ConfigError, DataError, LabelError, ModelError, NerlabError

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Corpus",
    "DataError",
    "LabelError",
    "ModelError",
    "NerlabError",
    "Sentence",
    "__version__",
]
