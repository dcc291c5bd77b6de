"""Tasks: the seam between what is shared (trainer, engine, Predictor, saving, CLI) and what
differs per task (labels, examples, head, evaluation, output records). See
:mod:`nerlab.tasks.base`.
"""

from __future__ import annotations

from nerlab.errors import ModelError
from nerlab.models.saved import ModelMeta
from nerlab.tasks.base import Evaluation, Task
from nerlab.tasks.text_classification import TextClassification
from nerlab.tasks.token_classification import TokenClassification

TASKS: dict[str, type[Task]] = {
    TokenClassification.name: TokenClassification,
    TextClassification.name: TextClassification,
}


def task_for(meta: ModelMeta) -> Task:
    """The task of a saved model, from its metadata.

    Raises:
        ModelError: a task this version of nerlab does not know.
    """
    cls = TASKS.get(meta.task)
    if cls is None:
        raise ModelError(
            f"the model is for {meta.task!r}, a task nerlab does not run (it runs: "
            f"{', '.join(TASKS)}); train one with `nerlab train` first."
        )
    return cls.from_meta(meta)


__all__ = ["TASKS", "Evaluation", "Task", "TextClassification", "TokenClassification", "task_for"]
