"""Train only the rows of the word-embedding matrix that the training data uses.

A sub-token that never occurs in the training windows gets a zero gradient at every step, so
AdamW never moves its row (apart from weight decay). Yet the stock training step still builds
the dense gradient of the whole matrix, clips it and runs AdamW over it: for e5-small's
250,002 x 384 matrix (96M of its 118M parameters) that is most of a CPU training step, while
CoNLL-2003's training set uses 15,158 of its rows (6%).

:class:`UsedRowsEmbedding` keeps the matrix fixed and adds a trainable table with one row per
used sub-token (``delta``): the lookup is ``weight[id] + delta[slot[id]]``. Each used row
follows the gradient and AdamW moments it would have had in the full matrix; the rows the
data never reaches stay as pretrained, exactly as a frozen matrix would keep them. The one
change of recipe: the embedding rows get no weight decay (a decayed ``delta`` would pull the
rows towards their pretrained values instead of towards zero).

The module is invisible in saved files: its state dict holds only ``weight``, the matrix with
the trained rows added, so a checkpoint is an ordinary transformers checkpoint, and loading
one (``--resume``, the best model at the end) puts the merged matrix back in ``weight`` with a
zero ``delta``; the optimiser's moments for ``delta`` come back with the optimiser. After
training, :func:`merge_used_rows` puts a plain ``nn.Embedding`` back in the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

# The nn.Embedding settings besides its size, carried over in both directions.
_OPTIONS = ("padding_idx", "max_norm", "norm_type", "scale_grad_by_freq", "sparse")


class UsedRowsEmbedding(nn.Embedding):
    """An ``nn.Embedding`` whose fixed ``weight`` is trained only on ``rows``.

    Args:
        embedding: the model's word embeddings (a plain ``nn.Embedding``); its matrix is
            shared, not copied.
        rows: the sub-token ids to train (the padding id is left out: it never trains).
    """

    def __init__(self, embedding: nn.Embedding, rows: Iterable[int]):
        nn.Module.__init__(self)
        self.num_embeddings = embedding.num_embeddings
        self.embedding_dim = embedding.embedding_dim
        for name in _OPTIONS:
            setattr(self, name, getattr(embedding, name))
        weight = self.weight = embedding.weight
        weight.requires_grad_(False)
        ids = sorted({int(r) for r in rows} - {self.padding_idx})
        if ids and not 0 <= ids[0] <= ids[-1] < self.num_embeddings:
            raise ValueError(f"row ids must lie in [0, {self.num_embeddings}), got {ids[-1]}")
        n = len(ids)
        rows_t = torch.tensor(ids, dtype=torch.long, device=weight.device)
        self.register_buffer("rows", rows_t, persistent=False)
        slot = torch.full((self.num_embeddings,), n, dtype=torch.long, device=weight.device)
        slot[rows_t] = torch.arange(n, device=weight.device)
        self.register_buffer("slot", slot, persistent=False)
        # One extra zero row (index n) for every id not trained: as F.embedding's padding_idx
        # it gets no gradient, so AdamW never moves it.
        self.delta = nn.Parameter(
            torch.zeros(n + 1, self.embedding_dim, dtype=weight.dtype, device=weight.device)
        )

    @property
    def trained_rows(self) -> int:
        return int(self.rows.numel())

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        fixed = F.embedding(input_ids, self.weight, self.padding_idx)
        trained = F.embedding(self.slot[input_ids], self.delta, padding_idx=self.trained_rows)
        return fixed + trained

    def merged(self) -> torch.Tensor:
        """The matrix as trained so far: ``weight`` with ``delta`` added to its rows."""
        with torch.no_grad():
            out = self.weight.detach().clone()
            out.index_add_(0, self.rows, self.delta[:-1])
        return out

    def _save_to_state_dict(self, destination: Any, prefix: str, keep_vars: bool) -> None:
        destination[prefix + "weight"] = self.merged()

    def _load_from_state_dict(
        self,
        state_dict: Any,
        prefix: str,
        local_metadata: Any,
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        key = prefix + "weight"
        if key not in state_dict:
            missing_keys.append(key)
            return
        value = state_dict[key]
        if tuple(value.shape) != tuple(self.weight.shape):
            error_msgs.append(
                f"size mismatch for {key}: copying a param with shape {tuple(value.shape)}, "
                f"the shape in current model is {tuple(self.weight.shape)}."
            )
            return
        with torch.no_grad():
            self.weight.copy_(value)
            self.delta.zero_()

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, trained_rows={self.trained_rows}"


def used_ids(dataset: Any) -> np.ndarray:
    """The distinct sub-token ids of a training dataset's ``input_ids``."""
    arrays = [np.asarray(dataset[i]["input_ids"], dtype=np.int64) for i in range(len(dataset))]
    if not arrays:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(arrays))


def train_used_rows(model: Any, dataset: Any) -> UsedRowsEmbedding | None:
    """Put a :class:`UsedRowsEmbedding` over the rows ``dataset`` uses in ``model``.

    Returns it, or ``None`` where the model's input embeddings are not a plain
    ``nn.Embedding`` (a subclass may scale or otherwise change its lookup): those keep
    training the whole matrix.
    """
    embedding = model.get_input_embeddings()
    if type(embedding) is not nn.Embedding:
        return None
    rows = UsedRowsEmbedding(embedding, used_ids(dataset).tolist())
    model.set_input_embeddings(rows)
    return rows


def merge_used_rows(model: Any) -> int | None:
    """Put a plain ``nn.Embedding`` holding the trained matrix back in ``model``.

    Returns the number of rows that were trained, or ``None`` where the model had no
    :class:`UsedRowsEmbedding`.
    """
    embedding = model.get_input_embeddings()
    if not isinstance(embedding, UsedRowsEmbedding):
        return None
    options = {name: getattr(embedding, name) for name in _OPTIONS}
    weight = embedding.merged()
    model.set_input_embeddings(nn.Embedding(*weight.shape, **options, _weight=weight))
    return embedding.trained_rows


def used_rows_parameters(model: Any) -> set[int]:
    """``id()`` of each ``delta`` table in ``model`` (kept out of weight decay)."""
    return {id(m.delta) for m in model.modules() if isinstance(m, UsedRowsEmbedding)}
