"""The end of a run: save the model folder, score dev/test, write the curve and the run card.

Works for every task: a tagger's reports are entity/tag tables, a text classifier's are class
tables (accuracy, averages, confusion); a multi-label classifier first chooses its per-label
thresholds on dev (:meth:`~nerlab.tasks.Task.calibrate`), so the saved model and the final
dev/test scores use them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nerlab
from nerlab.config import TrainConfig
from nerlab.evaluate.evaluate import write_report_files
from nerlab.evaluate.plots import plot_learning_curve
from nerlab.files import write_text_atomic
from nerlab.metrics.render import to_markdown
from nerlab.models.saved import save_meta
from nerlab.tasks import Evaluation
from nerlab.tasks.token_classification import TaggingEvaluation, TokenClassification
from nerlab.training import output as out_dir
from nerlab.training.embeddings import merge_used_rows
from nerlab.training.state import (
    BaseModel,
    TrainData,
    TrainResult,
    head_extra,
    model_meta,
    precision_of,
    predictor_for,
    score,
)

if TYPE_CHECKING:
    from nerlab.training.trainer import TaskTrainer


def run_stats(trainer: TaskTrainer, output: Any, seconds: float) -> dict[str, Any]:
    """Timing and progress figures of the run.

    ``train_samples_per_second`` counts training time only: the seconds spent scoring dev and
    writing checkpoints (both reported) are left out, as the reference recipe does neither.
    """
    state = trainer.state
    world = trainer.args.world_size
    samples = trainer.samples_seen * world
    save_seconds = trainer.timing.save_seconds
    train_only = max(seconds - trainer.eval_seconds - save_seconds, 1e-9)
    return {
        "epochs_run": round(state.epoch or 0.0, 4),
        "steps": state.global_step,
        "best_step": state.best_global_step,
        "best_dev_score": state.best_metric,
        "stopped_early": bool(state.epoch and state.epoch < trainer.args.num_train_epochs - 1e-6),
        "seconds": round(seconds, 2),
        "eval_seconds": round(trainer.eval_seconds, 2),
        "checkpoint_seconds": round(save_seconds, 2),
        "train_samples_per_second": round(samples / train_only, 3),
        "train_loss": output.training_loss,
        "world_size": world,
    }


def finish_run(
    cfg: TrainConfig,
    trainer: TaskTrainer,
    data: TrainData,
    base: BaseModel,
    output: Any,
    seconds: float,
) -> TrainResult:
    """Score the final (best) model on dev/test and, on rank 0, write everything to the folder."""
    model = trainer.model
    trained_rows = merge_used_rows(model)
    stats = run_stats(trainer, output, seconds)
    stats["precision"] = precision_of(trainer.args)
    embeddings = model.get_input_embeddings().weight
    stats["word_embeddings"] = "trained" if embeddings.requires_grad else "frozen"
    if trained_rows is not None:
        stats["word_embedding_rows_trained"] = trained_rows
    long_inputs = data.source.get("long_inputs") or {}
    if long_inputs:
        stats["texts_over_max_length"] = {k: r["over_max_length"] for k, r in long_inputs.items()}
    if cfg.context:
        stats["context"] = data.context
    if data.context_note:
        stats["context_note"] = data.context_note
    if cfg.head != "linear":
        stats["head"] = cfg.head
    head_notes = data.task.head_notes(cfg.head, base.folder)
    if head_notes:
        stats["head_note"] = "; ".join(head_notes)
    data.task.calibrate(predictor_for(model, data, base, cfg, trainer.args), data.dev)
    dev = test = None
    if data.dev is not None:
        dev = score(model, data, base, data.dev, cfg, trainer.args)
    if data.test is not None:
        test = score(model, data, base, data.test, cfg, trainer.args)
    result = TrainResult(cfg.output, data.task.labels, dev, test, stats, model.eval())
    if trainer.args.process_index == 0:
        save_run(cfg, trainer, data, base, result)
    return result


def save_run(
    cfg: TrainConfig, trainer: TaskTrainer, data: TrainData, base: BaseModel, result: TrainResult
) -> None:
    """Write the model folder, nerlab_config.json, reports, curve and run card (rank 0)."""
    out = Path(cfg.output)
    trainer.save_model(str(out))
    training = {**cfg.identity(), "precision": result.stats["precision"]}
    evals = [(name, ev) for name, ev in (("dev", result.dev), ("test", result.test)) if ev]
    scores = {name: ev.to_dict() for name, ev in evals}
    for ev_dict in scores.values():
        ev_dict.pop("confusion", None)
        ev_dict.pop("highest_loss", None)  # texts: in reports/, not in the model's config
    extra: dict[str, Any] = {"nerlab_version": nerlab.__version__}
    if isinstance(data.task, TokenClassification):
        extra["label_all_subtokens"] = cfg.label_all_subtokens
        extra["context"] = data.context  # evaluate and predict read with it by default
        extra |= head_extra(trainer.model)  # a CRF's scores, read by decoding
    extra |= {"data": data.source, "training": training, "stats": result.stats, "scores": scores}
    meta = model_meta(data, base, extra)
    save_meta(out, meta)
    for name, ev in evals:
        if isinstance(ev, TaggingEvaluation):
            write_report_files(ev, out / out_dir.REPORTS, stem=name)
        else:
            from nerlab.evaluate.classification_report import write_classification_report

            write_classification_report(ev, out / out_dir.REPORTS, name)
    records = out_dir.read_metrics(out)
    if records:
        plot_learning_curve(records, out / out_dir.CURVE_FILE, data.task.primary_metric)
    write_text_atomic(out / out_dir.RUN_CARD, run_card(cfg, data, result, records))
    if not cfg.keep_checkpoints:
        out_dir.remove_checkpoints(out)


def _scores_section(name: str, ev: Evaluation) -> list[str]:
    if not isinstance(ev, TaggingEvaluation):
        lines = [f"## Scores on {name}", ""]
        rows = getattr(ev, "rows", None)
        if callable(rows):  # a text classifier: per class, then the averages
            lines += [to_markdown(rows(), first="class"), ""]
        others = ", ".join(
            f"{k} {v:.4f}" for k, v in ev.metrics().items() if k != ev.primary_metric
        )
        return [*lines, f"{ev.primary_metric}: {ev.main_score:.4f}; {others}."]
    if ev.entity is None:
        assert ev.tags is not None
        lines = [f"## Scores on {name} (word level, per-tag scores)", ""]
        lines += [to_markdown(ev.tags.rows(), first="tag"), ""]
        return [*lines, f"Token accuracy: {ev.accuracy:.4f}"]
    lines = [f"## Scores on {name} (word level, entity scores, conlleval mode)", ""]
    lines += [to_markdown(ev.entity["conlleval"].rows()), ""]
    lines.append(f"Token accuracy: {ev.accuracy:.4f}")
    return [*lines, f"Strict-mode micro F1: {ev.entity['strict'].micro.f1:.4f}"]


def run_card(
    cfg: TrainConfig, data: TrainData, result: TrainResult, records: list[dict[str, Any]]
) -> str:
    """The ``README.md`` of a trained model: a huggingface_hub ModelCard (metadata header, then
    data, configuration, labels and scores), built from what the run collected."""
    from huggingface_hub import ModelCard, ModelCardData

    src = data.source
    task = data.task
    unit = "texts" if "texts" in src else "sentences"
    lines = [
        f"# {Path(cfg.output).name}: {task.name.replace('-', ' ')} fine-tuned from `{cfg.model}`",
        "",
        f"Trained with nerlab {nerlab.__version__}. Load it with "
        f'`transformers.pipeline("{task.name}", model=THIS_FOLDER)` or score it with '
        "`nerlab evaluate THIS_FOLDER DATA`.",
        *_head_lines(result.stats),
        "",
        "## Data",
        "",
        f"| split | source | {unit} |",
        "|---|---|---:|",
    ]
    for split in ("train", "dev", "test"):
        if src.get(split):
            lines.append(f"| {split} | `{src[split]}` | {src[unit].get(split, 0)} |")
    lines += ["", *_data_notes(src, task), "", f"## Labels ({len(result.labels)})", ""]
    lines += [", ".join(f"`{lab}`" for lab in result.labels)]
    lines += _threshold_lines(task, bool(src.get("dev")))
    lines += [
        "",
        "## Configuration",
        "",
        "```json",
        json.dumps({**cfg.identity(), "precision_used": result.stats["precision"]}, indent=2),
        "```",
        "",
        "## Run",
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in result.stats.items()]
    if records:
        lines += ["", "Per-epoch metrics: `metrics.jsonl`; curve: `learning_curve.png`."]
    for name, ev in (("dev", result.dev), ("test", result.test)):
        if ev is not None:
            lines += ["", *_scores_section(name, ev)]
    card_data = ModelCardData(
        library_name="transformers",
        pipeline_tag=task.name,
        tags=["nerlab", task.name],
        base_model=cfg.model if "/" in cfg.model else None,
    )
    body = "\n".join(lines) + "\n"
    card = ModelCard.from_template(card_data, template_str=_TEMPLATE, body=body)
    return str(card.content)


def _head_lines(stats: dict[str, Any]) -> list[str]:
    """What a CRF head means for users of the folder (transformers alone ignores it)."""
    if stats.get("head") != "crf":
        return []
    return [
        "",
        "It has a CRF head: its learned transition scores are in `nerlab_config.json` "
        '(`"crf"`), and nerlab decodes with them (Viterbi). transformers alone does not read '
        "them: its pipeline takes the best tag of each word on its own.",
    ]


def _data_notes(src: dict[str, Any], task: Any) -> list[str]:
    """What the data section says besides the table: columns, scheme or label mode, long
    inputs, class weights."""
    if "texts" not in src:
        scheme = getattr(task, "scheme", None)
        return [f"Tag column: `{src['tag_column']}`. Scheme: {scheme or 'plain tags'}."]
    kind = "Multi-label (sigmoid per label, BCE)" if src.get("multi_label") else "Single-label"
    lines = [
        f"Text column: `{src.get('text_column') or 'text'}`, label column: "
        f"`{src.get('label_column') or 'label'}`"
        + (f", labels split at `{src['label_sep']}`" if src.get("label_sep") else "")
        + f". {kind}."
    ]
    long_inputs = src.get("long_inputs") or {}
    if long_inputs:
        first = next(iter(long_inputs.values()))
        counts = ", ".join(
            f"{split} {r['over_max_length']} of {r['texts']}" for split, r in long_inputs.items()
        )
        how = (
            "cut into overlapping windows, logits averaged"
            if first["long_text"] == "windows"
            else f"truncated to the first {first['max_length']} sub-tokens"
        )
        lines += [
            "",
            f"Texts over the maximum length ({first['max_length']} sub-tokens): "
            f"{counts}; they are {how} (`--long-text {first['long_text']}`).",
        ]
    weights = src.get("class_weights")
    if weights:
        listed = ", ".join(f"`{lab}` {w:.3f}" for lab, w in weights.items())
        lines += ["", f"Class weights (balanced): {listed}."]
    return lines


def _threshold_lines(task: Any, has_dev: bool) -> list[str]:
    """A multi-label classifier's per-label thresholds (chosen on dev, else 0.5)."""
    thresholds = getattr(task, "thresholds", None)
    if not getattr(task, "multi_label", False) or thresholds is None:
        return []
    listed = ", ".join(f"`{lab}` {t:.3f}" for lab, t in zip(task.labels, thresholds, strict=True))
    how = "each label's F1 maximised on dev" if has_dev else "0.5 each: no dev set to choose on"
    return ["", f"Decision thresholds per label ({how}): {listed}."]


_TEMPLATE = "---\n{{ card_data }}\n---\n\n{{ body }}"
