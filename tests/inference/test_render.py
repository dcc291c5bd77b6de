"""predict's output writers (issue 10): nothing of the input is dropped from the output."""

from __future__ import annotations

import io
import json

from nerlab.inference.documents import Document
from nerlab.inference.predictor import Tagged
from nerlab.inference.render import make_writer


def _tagged(words: list[str], tags: list[str]) -> Tagged:
    text = " ".join(words)
    spans, pos = [], 0
    for w in words:
        spans.append((w, pos, pos + len(w)))
        pos += len(w) + 1
    entities = [
        {"start": s, "end": e, "label": t[2:], "text": w, "score": 0.9}
        for (w, s, e), t in zip(spans, tags, strict=True)
        if t != "O"
    ]
    return Tagged(text, spans, tags, entities)  # type: ignore[arg-type]


def _write(fmt: str, items: list[tuple[Document, Tagged | None]]) -> str:
    out = io.StringIO()
    writer = make_writer(fmt, out)
    writer.start()
    for doc, tagged in items:
        writer.write(doc, tagged)
    writer.finish()
    return out.getvalue()


def test_conll_output_keeps_docstart_lines() -> None:
    """Issue 10: ``predict --format conll`` dropped the input's -DOCSTART- lines."""
    first = Document(3, words=["EU"], columns=[["NNP"], ["B-ORG"]], docstart="-DOCSTART- -X- O")
    second = Document(5, words=["Peter"], columns=[["NNP"], ["B-PER"]])
    bare = Document(8, words=["Paris"], docstart="-DOCSTART-")  # one column, as the rows
    short = Document(11, words=["Rome"], columns=[["NNP"]], docstart="-DOCSTART-")
    out = _write(
        "conll",
        [
            (first, _tagged(["EU"], ["B-ORG"])),
            (second, _tagged(["Peter"], ["O"])),
            (bare, _tagged(["Paris"], ["B-LOC"])),
            (short, _tagged(["Rome"], ["B-LOC"])),
        ],
    )
    assert out == (
        "-DOCSTART- -X- O O\n\nEU NNP B-ORG B-ORG\n\nPeter NNP B-PER O\n\n"
        "-DOCSTART- O\n\nParis B-LOC\n\n"
        "-DOCSTART-\n\nRome NNP B-LOC\n\n"  # not as wide as the rows: written as it was
    )


def test_jsonl_error_records_keep_the_parsed_fields() -> None:
    """Issue 10: an error record dropped the line's other fields (``id``)."""
    bad = Document(2, record={"id": 8, "meta": {"a": 1}}, error="f:2: no 'text' field")
    unparsed = Document(3, error="f:3: invalid JSON")
    records = [
        json.loads(ln) for ln in _write("jsonl", [(bad, None), (unparsed, None)]).split("\n")[:-1]
    ]
    assert records == [
        {"id": 8, "meta": {"a": 1}, "line": 2, "error": "f:2: no 'text' field"},
        {"line": 3, "error": "f:3: invalid JSON"},
    ]


def test_jsonl_records_keep_input_fields_columns_and_docstart() -> None:
    text_doc = Document(1, text="EU", record={"text": "EU", "id": 1})
    tokens_doc = Document(2, words=["EU"], record={"tokens": ["EU"], "id": 2})
    conll_doc = Document(4, words=["EU"], columns=[["NNP"]], docstart="-DOCSTART- -X- O")
    tagged = _tagged(["EU"], ["B-ORG"])
    out = _write("jsonl", [(text_doc, tagged), (tokens_doc, tagged), (conll_doc, tagged)])
    records = [json.loads(ln) for ln in out.splitlines()]
    entity = [{"start": 0, "end": 2, "label": "ORG", "text": "EU", "score": 0.9}]
    assert records[0] == {"text": "EU", "id": 1, "entities": entity}
    assert records[1] == {
        "tokens": ["EU"],
        "id": 2,
        "text": "EU",
        "tags": ["B-ORG"],
        "entities": entity,
    }
    assert records[2]["columns"] == [["NNP"]] and records[2]["docstart"] == "-DOCSTART- -X- O"
    assert records[2]["words"] == ["EU"] and records[2]["tags"] == ["B-ORG"]
