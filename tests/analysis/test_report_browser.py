"""The HTML reports open in a real browser (headless Chromium) without console errors and show
their tables and charts. A missing browser fails the test with the way to install it."""

from __future__ import annotations

from pathlib import Path

import pytest

from _browser import chromium
from nerlab.evaluate.analysis import analyze, run_probes


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _open(browser, page_path: Path, shot: Path) -> tuple[object, list[str]]:
    """Open a report offline; return the page and the console errors (and failed requests)."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.route("http*://**", lambda route: (errors.append(route.request.url), route.abort()))
    page.goto(page_path.resolve().as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=str(shot), full_page=True)
    return page, errors


def _shown_images(page) -> list[tuple[str, int]]:
    """(alt, natural width) of every image that decoded and has a size on the page."""
    return page.eval_on_selector_all(
        "img",
        "els => els.filter(e => e.complete && e.naturalWidth > 0 && e.getBoundingClientRect()"
        ".width > 0).map(e => [e.alt, e.naturalWidth])",
    )


def test_analysis_report_in_chromium(browser, trained_dir, files, tmp_path) -> None:
    out = tmp_path / "report"
    a = analyze(trained_dir, files["data"], report_dir=out, precision="fp32", top_k=8)
    page, errors = _open(browser, out / "report.html", tmp_path / "report.png")
    assert errors == []
    images = _shown_images(page)
    assert len(images) == 2 + len(a.buckets), images
    assert {alt for alt, _ in images} >= {"confusion", "error kinds", "entity in TRAIN"}
    tables = page.locator("table")
    assert tables.count() >= 6 + len(a.buckets)
    assert all(tables.nth(i).is_visible() for i in range(tables.count()))
    assert page.locator(".sentence").count() == 8
    assert page.locator("#partial").inner_text().count("strict") >= 2
    assert (tmp_path / "report.png").stat().st_size > 50_000
    page.close()


def test_probe_report_in_chromium(browser, trained_dir, files, tmp_path) -> None:
    out = tmp_path / "probes"
    run_probes(
        trained_dir, files["test"], ["casing", "gazetteer"], report_dir=out, precision="fp32"
    )
    page, errors = _open(browser, out / "probes.html", tmp_path / "probes.png")
    assert errors == []
    assert [alt for alt, _ in _shown_images(page)] == ["probe scores"]
    assert "casing: upper" in page.locator("#probes table").inner_text()
    assert page.locator("#gazetteer table").count() == 3
    page.close()
