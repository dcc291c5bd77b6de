"""A linear-chain CRF head (``nerlab train --head crf``): learned tag transitions over words.

The encoder and its linear classifier stay as they are: their per-sub-token logits are the
CRF's emissions. Training reads the emissions of the labelled sub-tokens of each window (the
first sub-token of each word, as the plain head is trained), in order, and minimises the
sequence's negative log-likelihood under the CRF (the forward algorithm), per labelled word.
The CRF's scores (a start score per label, an ``(L, L)`` transition matrix, an end score per
label) are parameters of the model, so checkpoints and ``--resume`` carry them; the saved
model records them in ``nerlab_config.json`` (``"crf"``), where decoding reads them, for
PyTorch and ONNX models alike. Decoding is Viterbi with the learned scores plus the IOB2
constraints (:func:`nerlab.metrics.constrained.constrained_ids`).

Transitions are a handful of numbers against millions of encoder weights: they learn with
:data:`CRF_LR_FACTOR` times the encoder's learning rate (a common choice for BERT-CRF taggers),
or they would hardly move from zero in a few epochs. A run that goes on from a model trained
with the CRF (``--model THAT_FOLDER --head crf``, same labels) starts from its scores.

Example:
    >>> crf = attach_crf(model, num_labels=9)  # doctest: +SKIP
    >>> loss = crf_loss(crf)(outputs, labels)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from nerlab.data.alignment import IGNORE_INDEX
from nerlab.metrics.constrained import Learned
from nerlab.models.saved import NERLAB_CONFIG, read_meta

CRF_ATTRIBUTE = "crf"
CRF_LR_FACTOR = 100.0
"""The learning rate of the CRF's scores, as a multiple of the run's ``--lr``."""


class CrfScores(torch.nn.Module):
    """The CRF's parameters: ``start (L,)``, ``transitions (L, L)`` (from -> to), ``end (L,)``.

    Initialised to zero: before training the CRF decodes as the per-word argmax does.
    """

    def __init__(self, num_labels: int):
        super().__init__()
        self.start = torch.nn.Parameter(torch.zeros(num_labels))
        self.transitions = torch.nn.Parameter(torch.zeros(num_labels, num_labels))
        self.end = torch.nn.Parameter(torch.zeros(num_labels))

    def nll(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Per sequence, ``log Z - score(gold)``.

        Args:
            emissions: ``(B, W, L)`` scores of each word for each label.
            tags: ``(B, W)`` gold label ids (anything where ``mask`` is false).
            mask: ``(B, W)`` booleans, true on each sequence's first ``n`` words (``n >= 1``).
        """
        emissions = emissions.float()
        batch, width, _ = emissions.shape
        rows = torch.arange(batch, device=emissions.device)
        tags = torch.where(mask, tags, torch.zeros_like(tags))
        # The gold path's score.
        gold = self.start[tags[:, 0]] + emissions[rows, 0, tags[:, 0]]
        for t in range(1, width):
            step = self.transitions[tags[:, t - 1], tags[:, t]] + emissions[rows, t, tags[:, t]]
            gold = gold + step * mask[:, t]
        last = tags[rows, mask.sum(1) - 1]
        gold = gold + self.end[last]
        # The partition function (forward algorithm in log space).
        alpha = self.start[None] + emissions[:, 0]
        for t in range(1, width):
            nxt = torch.logsumexp(
                alpha[:, :, None] + self.transitions[None] + emissions[:, t, None, :], dim=1
            )
            alpha = torch.where(mask[:, t, None], nxt, alpha)
        log_z = torch.logsumexp(alpha + self.end[None], dim=1)
        return log_z - gold

    def to_json(self) -> dict[str, Any]:
        """The scores as the saved model records them (``nerlab_config.json``: ``"crf"``)."""
        return {
            "start": self.start.detach().float().cpu().tolist(),
            "transitions": self.transitions.detach().float().cpu().tolist(),
            "end": self.end.detach().float().cpu().tolist(),
        }


def labelled_words(
    logits: torch.Tensor, labels: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The labelled positions of each window packed to the left, in order.

    Returns:
        ``emissions (B, W, L)``, ``tags (B, W)`` and ``mask (B, W)``, where ``W`` is the
        largest number of labelled sub-tokens in a window.
    """
    valid = labels != IGNORE_INDEX
    counts = valid.sum(1)
    width = max(int(counts.max()), 1)
    # A stable sort puts each row's labelled positions first, in their order.
    order = torch.sort((~valid).int(), dim=1, stable=True).indices[:, :width]
    emissions = logits.gather(1, order[:, :, None].expand(-1, -1, logits.shape[-1]))
    tags = labels.gather(1, order)
    mask = torch.arange(width, device=labels.device)[None] < counts[:, None]
    return emissions, torch.where(mask, tags, torch.zeros_like(tags)), mask


def crf_loss(crf: CrfScores) -> Callable[..., torch.Tensor]:
    """The Trainer's ``compute_loss_func``: the CRF's negative log-likelihood per labelled word.

    Divided by ``num_items_in_batch`` (the labelled words of all the batches of one
    optimiser step, which the Trainer counts under gradient accumulation), else by this
    batch's. Windows without a labelled word add nothing.
    """

    def loss(outputs: Any, labels: torch.Tensor, num_items_in_batch: Any = None) -> torch.Tensor:
        logits = outputs["logits"] if isinstance(outputs, dict) else outputs.logits
        emissions, tags, mask = labelled_words(logits, labels)
        keep = mask[:, 0]
        if not bool(keep.any()):
            return logits.sum() * 0.0
        nll = crf.nll(emissions[keep], tags[keep], mask[keep])
        count = num_items_in_batch if num_items_in_batch is not None else mask.sum()
        return nll.sum() / count

    return loss


def attach_crf(model: Any, num_labels: int, start_from: Any = None) -> CrfScores:
    """Add CRF scores to ``model`` (as ``model.crf``, so the optimiser, checkpoints and
    ``--resume`` see them) and return them: zero, or ``start_from`` (a ``Learned``)."""
    crf = CrfScores(num_labels)
    if start_from is not None:
        with torch.no_grad():
            for name in ("start", "transitions", "end"):
                getattr(crf, name).copy_(torch.as_tensor(getattr(start_from, name)))
    crf = crf.to(next(model.parameters()).device)
    setattr(model, CRF_ATTRIBUTE, crf)
    return crf


def saved_crf(folder: str | Path | None, labels: list[str], head: str) -> tuple[Any, str | None]:
    """The CRF scores a run continuing from the model in ``folder`` starts from, and a note.

    A base model trained with ``--head crf`` for exactly ``labels`` gives its learned scores
    (a ``Learned``), so training goes on from them as the encoder's weights do; for other
    labels, or when this run trains ``head``, not ``crf``, its scores are not used, and the
    note says so. Any other base model: ``(None, None)``.

    Raises:
        ModelError: the base model's recorded scores are damaged (naming the file).
    """
    if folder is None or not (Path(folder) / NERLAB_CONFIG).is_file():
        return None, None
    meta = read_meta(folder)  # checks the recorded scores, naming the file
    if meta.extra.get("crf") is None:
        return None, None
    if head != "crf":
        return None, (
            f"the base model {folder} has a CRF head; this run trains --head {head}, so its "
            "learned transitions are not used (add --head crf to go on from them)"
        )
    if list(meta.labels) != list(labels):
        return None, (
            f"the base model {folder} has a CRF for other labels, so this run's CRF starts "
            "from zero"
        )
    return Learned.from_json(meta.extra["crf"], len(labels)), (
        f"the CRF starts from the learned scores of the base model {folder}"
    )


def crf_of(model: Any) -> CrfScores | None:
    """The CRF scores attached to ``model`` (``None`` for a plain head)."""
    crf = getattr(model, CRF_ATTRIBUTE, None)
    return crf if isinstance(crf, CrfScores) else None
