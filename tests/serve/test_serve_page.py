"""The web page at `/`, in a real browser: Debian's chromium driven by playwright.

A missing browser is a test failure that says how to install it (scripts/install.sh does),
never a skip. Every test also checks that the page asks for nothing but the server itself.
The first test leaves a screenshot, ``page.png``, in its tmp folder (its path is printed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _serve_helpers import live_server, load_predictor

from _browser import chromium, open_local_page
from nerlab.inference import Predictor
from nerlab.serve import ServeSettings, create_app

SENTENCE = "Angela Merkel visited Paris with EU officials ."
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, headless; fails (does not skip) when it is not installed."""
    with chromium() as b:
        yield b


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """``open_page(url)``: a fresh page with clipboard access whose requests are all
    checked to go to the server (an asset from anywhere else aborts and fails the test)."""
    contexts: list[Any] = []
    foreign: list[str] = []

    def make(url: str) -> Any:
        page = open_local_page(browser, url, foreign, clipboard=True, timeout_ms=TIMEOUT_MS)
        contexts.append(page.context)
        return page

    yield make
    for context in contexts:
        context.close()
    assert foreign == [], f"the page asked for outside resources: {foreign}"


def _wait_status(page: Any, starts: str) -> str:
    page.wait_for_function(
        "prefix => document.getElementById('status').textContent.startsWith(prefix)", arg=starts
    )
    return page.locator("#status").inner_text()


def _marks(page: Any) -> list[tuple[str, str, str]]:
    return page.eval_on_selector_all(
        "mark.ent",
        "ms => ms.map(m => [m.querySelector('.ent-text').textContent, m.dataset.label, m.title])",
    )


def test_type_click_highlight_and_screenshot(
    server_url: str, reference: Predictor, open_page: Any, tmp_path: Path
) -> None:
    page = open_page(server_url)
    page.wait_for_selector("#legend .chip")
    legend = page.eval_on_selector_all("#legend .chip", "cs => cs.map(c => c.textContent)")
    assert legend == ["LOC", "MISC", "ORG", "PER"]
    assert page.locator("#model-name").inner_text() == "tiny"

    page.fill("#text", SENTENCE)
    page.click("#tag")
    expected = reference.predict([SENTENCE])[0]
    assert expected, "the tiny model finds no entity in the sentence: pick another"
    status = _wait_status(page, "1 text(s)")
    assert status == f"1 text(s), {len(expected)} entit{'y' if len(expected) == 1 else 'ies'}"

    marks = _marks(page)
    assert [(text, label) for text, label, _ in marks] == [
        (e["text"], e["label"]) for e in expected
    ]
    for (_, label, title), ent in zip(marks, expected, strict=True):
        assert title == f"{label} · score {ent['score']:.3f}"  # the score on hover
    # The highlighted text reads as the input, entity labels aside.
    shown = page.eval_on_selector(
        "#output .doc",
        "d => Array.from(d.childNodes).map(n => n.nodeType === 3 ? n.textContent :"
        " n.querySelector('.ent-text').textContent).join('')",
    )
    assert shown == SENTENCE

    # One colour per label, the same in the legend and in the text.
    colour_of = page.evaluate(
        """() => {
            const bg = el => getComputedStyle(el).backgroundColor;
            const legend = {};
            document.querySelectorAll('#legend .chip').forEach(c => legend[c.textContent] = bg(c));
            const marks = Array.from(document.querySelectorAll('mark.ent'))
                .map(m => [m.dataset.label, bg(m), legend[m.dataset.label]]);
            return {legend, marks};
        }"""
    )
    assert len(set(colour_of["legend"].values())) == 4
    assert all(mark == chip for _, mark, chip in colour_of["marks"])

    rows = page.eval_on_selector_all(
        "#entities tbody tr", "rs => rs.map(r => Array.from(r.cells).map(c => c.textContent))"
    )
    assert [(r[1], r[2], int(r[3]), int(r[4]), r[5]) for r in rows] == [
        (e["text"], e["label"], e["start"], e["end"], f"{e['score']:.3f}") for e in expected
    ]

    page.hover("mark.ent >> nth=0")
    tooltip = page.eval_on_selector(
        "mark.ent", "m => getComputedStyle(m, '::after').getPropertyValue('content')"
    )
    assert "score" in tooltip
    shot = tmp_path / "page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


def test_copy_json_puts_the_answer_on_the_clipboard(server_url: str, open_page: Any) -> None:
    page = open_page(server_url)
    assert page.locator("#copy-json").is_disabled()
    page.fill("#text", SENTENCE)
    page.click("#tag")
    _wait_status(page, "1 text(s)")
    page.click("#copy-json")
    page.wait_for_function("() => document.getElementById('copy-json').textContent === 'Copied'")
    copied = json.loads(page.evaluate("() => navigator.clipboard.readText()"))
    answer = httpx.post(f"{server_url}/v1/entities", json={"texts": [SENTENCE]}).json()
    assert copied == answer


def test_dropping_files_tags_every_text(
    server_url: str, reference: Predictor, open_page: Any, tmp_path: Path
) -> None:
    page = open_page(server_url)
    page.wait_for_selector("#legend .chip")
    lines = [SENTENCE, "Zoë 🙂 met Łukasz in São Paulo .", "EU rejects German call ."]
    jsonl = "\n".join(json.dumps({"text": t, "id": i}) for i, t in enumerate(lines)) + "\n"
    # A real drop event carrying a File, as a drag from the desktop delivers it.
    page.evaluate(
        """([name, content]) => {
            const data = new DataTransfer();
            data.items.add(new File([content], name, {type: 'application/json'}));
            document.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true}));
        }""",
        ["docs.jsonl", jsonl],
    )
    _wait_status(page, "3 text(s)")
    names = page.eval_on_selector_all(".doc-name", "ns => ns.map(n => n.textContent)")
    assert names == ["docs.jsonl · 1", "docs.jsonl · 2", "docs.jsonl · 3"]
    expected = reference.predict(lines)
    assert [(t, lab) for t, lab, _ in _marks(page)] == [
        (e["text"], e["label"]) for ents in expected for e in ents
    ]

    txt = tmp_path / "notes.txt"
    txt.write_text("\n".join(lines[:2]) + "\n\n", "utf-8")
    page.set_input_files("#file", str(txt))  # the same handler, from the file button
    _wait_status(page, "2 text(s)")
    assert page.eval_on_selector_all(".doc-name", "ns => ns.length") == 2

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"no_text": 1}\n', "utf-8")
    page.set_input_files("#file", str(bad))
    assert "bad.jsonl:2" in _wait_status(page, "bad.jsonl:2")


def test_a_server_with_a_key_asks_for_it(tagger_dir: Path, open_page: Any) -> None:
    app = create_app(load_predictor(tagger_dir), ServeSettings(model_name="keyed", api_key="k"))
    with live_server(app) as url:
        page = open_page(url)
        assert "API key" in _wait_status(page, "this server needs an API key")
        page.fill("#api-key", "k")
        page.dispatch_event("#api-key", "change")
        page.wait_for_function(
            "() => document.getElementById('model-name').textContent === 'keyed'"
        )
        page.fill("#text", SENTENCE)
        page.click("#tag")
        _wait_status(page, "1 text(s)")
