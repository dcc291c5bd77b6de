"""Typed request and response bodies of the HTTP API (they are the OpenAPI schema).

Strings are checked where they enter: a JSON string may hold a lone UTF-16 surrogate
(``"\\ud800"``), which Python accepts but no tokenizer can encode, so it is a 422 naming the
field rather than an error deep inside the model.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Aggregation = Literal["first", "average", "max"]
Mode = Literal["conlleval", "strict"]


def _valid_unicode(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"invalid Unicode at character {exc.start} (a lone surrogate); send UTF-8 text"
        ) from None
    return value


Text = Annotated[str, AfterValidator(_valid_unicode)]

EXAMPLE_TEXT = "Angela Merkel visited Paris with EU officials."


def _exactly_one_input(schema: dict[str, Any]) -> None:
    """The schema says what the handler checks: exactly one of ``texts`` and ``words``."""
    schema["oneOf"] = [{"required": ["texts"]}, {"required": ["words"]}]
    for name in ("texts", "words"):
        schema["properties"][name].pop("default", None)


class EntitiesRequest(BaseModel):
    """Raw texts or pre-split words to tag: give exactly one of ``texts`` and ``words``.

    Neither field may be ``null``: a field that is not given is absent (``None`` here).
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_exactly_one_input,  # type: ignore[typeddict-item]
    )

    texts: list[Text] = Field(  # type: ignore[assignment]
        default=None,
        description="Raw texts of any length (long ones are windowed, never cut); an empty "
        "text is valid and gets no entities.",
        examples=[[EXAMPLE_TEXT]],
    )
    words: list[list[Text]] = Field(  # type: ignore[assignment]
        default=None,
        description="Pre-split sentences, one list of words each; every word gets a tag.",
        examples=[[["EU", "rejects", "German", "call"]]],
    )
    aggregation: Aggregation | None = Field(
        default=None,
        description="Sub-token scores to word scores (default: the server's, `first`).",
    )
    mode: Mode | None = Field(
        default=None,
        description="Entity decoding: `conlleval` (lenient) or `strict` (default: the server's).",
    )


class EntityOut(BaseModel):
    """One entity; ``text == input[start:end]`` (for words: of the words joined by spaces)."""

    start: int = Field(ge=0, description="Offset of the first character (Python str index).")
    end: int = Field(ge=0, description="Offset after the last character.")
    label: str = Field(description="Entity type, e.g. PER.")
    text: str = Field(description="The entity's characters, input[start:end].")
    score: float = Field(ge=0.0, le=1.0, description="Mean word probability of its tags.")


class EntitiesResult(BaseModel):
    """The entities of one input; for ``words`` input also its text and one tag per word."""

    entities: list[EntityOut]
    text: str | None = Field(
        default=None, description="words input only: the words joined by single spaces."
    )
    tags: list[str] | None = Field(default=None, description="words input only: a tag per word.")


class EntitiesResponse(BaseModel):
    """One result per input, in input order."""

    model: str = Field(description="The served model's name.")
    results: list[EntitiesResult]


class ClassifyRequest(BaseModel):
    """Texts to classify (a text-classification model)."""

    model_config = ConfigDict(extra="forbid")

    texts: list[Text] = Field(
        description="Raw texts of any length (long ones are read as the model was trained: "
        "truncated, or averaged over windows); an empty text is valid and gets classes too.",
        examples=[["i feel so happy today"]],
    )
    top_k: int | None = Field(
        default=None,
        ge=1,
        description="Keep the `top_k` most probable classes in `scores` (default: all).",
    )


class ClassifyResult(BaseModel):
    """The classes of one text (``Predictor.classify``'s record)."""

    label: str = Field(description="The most probable class.")
    score: float = Field(ge=0.0, le=1.0, description="Its probability.")
    labels: list[str] = Field(
        description="The predicted classes: [label] for a single-label model; for a "
        "multi-label one every class at or above its threshold (maybe none)."
    )
    scores: dict[str, float] = Field(
        description="Class -> probability, most probable first (all classes, or the top_k)."
    )


class ClassifyResponse(BaseModel):
    """One result per text, in input order."""

    model: str = Field(description="The served model's name.")
    results: list[ClassifyResult]


class Limits(BaseModel):
    """The request limits a client must stay within."""

    max_texts: int
    max_request_bytes: int
    max_concurrent_requests: int


class ModelInfo(BaseModel):
    """What the server runs."""

    name: str
    task: str = Field(
        description="`token-classification` (POST /v1/entities) or `text-classification` "
        "(POST /v1/classify)."
    )
    labels: list[str] = Field(description="The model's tags (or classes), in id order.")
    entity_types: list[str] = Field(
        description="Entity types (labels without B-/I-); empty for a text classifier."
    )
    multi_label: bool = Field(
        default=False, description="Text classifiers: whether a text may get several classes."
    )
    scheme: str | None = Field(description="IOB2 for entity tags, null for plain tags (POS).")
    max_length: int = Field(description="Longest window in sub-tokens; longer texts are windowed.")
    base_model: str | None
    precision: str
    backend: str
    aggregation: Aggregation
    mode: Mode
    batching: bool = Field(description="Whether requests are batched together.")
    max_batch_tokens: int = Field(description="Token budget of one batch (0: batching off).")
    limits: Limits


class Status(BaseModel):
    """A health or readiness answer."""

    status: Literal["ok", "ready", "loading", "failed"]


class FieldError(BaseModel):
    """One problem with one field of the request."""

    field: str = Field(description="Where: `texts[2]`, `words[0][1]`, `body` for the whole body.")
    message: str
    type: str


class ErrorBody(BaseModel):
    """Every error answer: a short code, a message, the field at fault (if any)."""

    error: str = Field(description="A short code, e.g. `too_many_texts` or `wrong_task`.")
    message: str
    field: str | None = None
    details: list[FieldError] = Field(default_factory=list)
