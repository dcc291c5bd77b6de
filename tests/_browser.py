"""A real browser for the tests of web pages: Debian's chromium driven by playwright.

A missing browser or playwright is a test FAILURE that says how to install it, never a skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("NERLAB_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags chromium keeps calling out of this closed network.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL = (
    "the browser tests need Debian's chromium at {path} (bash scripts/install.sh installs it, or "
    "sudo apt-get install chromium; NERLAB_CHROMIUM=/path/to/chromium points elsewhere) and the "
    "playwright package (pip install -e '.[test]')"
)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless chromium (a playwright Browser), closed afterwards."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(INSTALL.format(path=CHROMIUM))
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(INSTALL.format(path=CHROMIUM))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_local_page(
    browser: Any, url: str, foreign: list[str], *, clipboard: bool = False, timeout_ms: int = 30_000
) -> Any:
    """A fresh page (in its own context, ``page.context``) at ``url + "/"`` whose requests may
    go only to that server: any other is aborted and its URL appended to ``foreign``, which the
    test then checks is empty. ``clipboard`` grants the page clipboard access."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    if clipboard:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    host = urlsplit(url).netloc

    def guard(route: Any) -> None:
        if urlsplit(route.request.url).netloc == host:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    page.goto(url + "/")
    return page
