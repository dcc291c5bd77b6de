"""The end of a run: save the model folder, score dev/test, write the curve and the run card."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nerlab
from nerlab.config import TrainConfig
from nerlab.evaluate.evaluate import Evaluation, write_report_files
from nerlab.evaluate.plots import plot_learning_curve
from nerlab.models.saved import TaggerInfo, save_tagger_info
from nerlab.training import output as out_dir

if TYPE_CHECKING:
    from nerlab.training.run import TrainData, TrainResult
    from nerlab.training.trainer import NerTrainer


def run_stats(trainer: NerTrainer, output: Any, seconds: float) -> dict[str, Any]:
    """Timing and progress figures of the run.

    ``train_samples_per_second`` counts training time only: the seconds spent scoring dev and
    writing checkpoints (both reported) are left out, as the reference recipe does neither.
    """
    state = trainer.state
    world = trainer.args.world_size
    samples = trainer.samples_seen * world
    train_only = max(seconds - trainer.eval_seconds - trainer.save_seconds, 1e-9)
    best_step = state.best_global_step
    return {
        "epochs_run": round(state.epoch or 0.0, 4),
        "steps": state.global_step,
        "best_step": best_step,
        "best_dev_score": state.best_metric,
        "stopped_early": bool(state.epoch and state.epoch < trainer.args.num_train_epochs - 1e-6),
        "seconds": round(seconds, 2),
        "eval_seconds": round(trainer.eval_seconds, 2),
        "checkpoint_seconds": round(trainer.save_seconds, 2),
        "train_samples_per_second": round(samples / train_only, 3),
        "train_loss": output.training_loss,
        "world_size": world,
    }


def finish_run(
    cfg: TrainConfig,
    trainer: NerTrainer,
    data: TrainData,
    base: tuple,
    precision: str,
    output: Any,
    seconds: float,
) -> TrainResult:
    """Score the final (best) model on dev/test and, on rank 0, write everything to the folder."""
    from nerlab.training.run import TrainResult, score

    folder, tokenizer, max_length = base
    model = trainer.model
    stats = run_stats(trainer, output, seconds)
    stats["precision"] = precision
    dev = test = None
    if data.dev is not None:
        dev = score(model, tokenizer, data.labels, data.dev, max_length, precision, cfg)
    if data.test is not None:
        test = score(model, tokenizer, data.labels, data.test, max_length, precision, cfg)
    result = TrainResult(cfg.output, list(data.labels.labels), dev, test, stats, model.eval())
    if trainer.args.process_index == 0:
        save_run(cfg, trainer, data, folder, max_length, result)
    return result


def save_run(
    cfg: TrainConfig,
    trainer: NerTrainer,
    data: TrainData,
    base_folder: str,
    max_length: int,
    result: TrainResult,
) -> None:
    """Write the model folder, nerlab_config.json, reports, curve and run card (rank 0)."""
    out = Path(cfg.output)
    trainer.save_model(str(out))
    training = {**cfg.identity(), "precision": result.stats["precision"], "stride": cfg.stride}
    scores = {name: ev.to_dict() for name, ev in (("dev", result.dev), ("test", result.test)) if ev}
    for ev in scores.values():
        ev.pop("confusion", None)
    info = TaggerInfo(
        labels=result.labels,
        scheme=data.labels.scheme,
        max_length=max_length,
        base_model=cfg.model,
        extra={
            "nerlab_version": nerlab.__version__,
            "label_all_subtokens": cfg.label_all_subtokens,
            "data": data.source,
            "training": training,
            "stats": result.stats,
            "scores": scores,
        },
    )
    save_tagger_info(out, info)
    for name, ev in (("dev", result.dev), ("test", result.test)):
        if ev is not None:
            write_report_files(ev, out / "reports", stem=name)
    records = out_dir.read_metrics(out)
    if records:
        score_name = "f1" if data.labels.scheme else "accuracy"
        plot_learning_curve(records, out / out_dir.CURVE_FILE, score_name)
    (out / "README.md").write_text(run_card(cfg, data, result, records), "utf-8")
    if not cfg.keep_checkpoints:
        out_dir.remove_checkpoints(out)


def _scores_table(ev: Evaluation) -> list[str]:
    if ev.entity is None:
        assert ev.tags is not None
        rows = ev.tags.per_tag.items()
        head = "| tag | precision | recall | F1 | support |"
    else:
        rows = [*ev.entity["conlleval"].per_type.items(), ("micro", ev.entity["conlleval"].micro)]
        head = "| type | precision | recall | F1 | support |"
    lines = [head, "|---|---:|---:|---:|---:|"]
    lines += [
        f"| {n} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} | {s.support} |" for n, s in rows
    ]
    return lines


def run_card(
    cfg: TrainConfig, data: TrainData, result: TrainResult, records: list[dict[str, Any]]
) -> str:
    """The ``README.md`` of a trained model: data, configuration, labels, scores."""
    src = data.source
    lines = [
        f"# {Path(cfg.output).name}: token classification fine-tuned from `{cfg.model}`",
        "",
        f"Trained with nerlab {nerlab.__version__}. Load it with "
        '`transformers.pipeline("token-classification", model=THIS_FOLDER)` or score it with '
        "`nerlab evaluate THIS_FOLDER DATA`.",
        "",
        "## Data",
        "",
        "| split | source | sentences |",
        "|---|---|---:|",
    ]
    for split in ("train", "dev", "test"):
        if src.get(split):
            lines.append(f"| {split} | `{src[split]}` | {src['sentences'].get(split, 0)} |")
    lines += [
        "",
        f"Tag column: `{src['tag_column']}`. Scheme: {data.labels.scheme or 'plain tags'}.",
        "",
        f"## Labels ({len(result.labels)})",
        "",
        ", ".join(f"`{lab}`" for lab in result.labels),
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
            mode = "entity scores, conlleval mode" if ev.entity else "per-tag scores"
            lines += ["", f"## Scores on {name} (word level, {mode})", ""]
            lines += _scores_table(ev)
            lines += ["", f"Token accuracy: {ev.accuracy:.4f}"]
            if ev.entity is not None:
                lines.append(f"Strict-mode micro F1: {ev.entity['strict'].micro.f1:.4f}")
    return "\n".join(lines) + "\n"
