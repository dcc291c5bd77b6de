"""The web page at ``/`` and the API docs at ``/docs``, both working offline.

The page is three files shipped in the package (``static/``), with no external asset. The
docs page uses the Swagger UI 5 files of the ``fastapi-offline`` package when it is installed
(the ``serve`` extra installs it); without it, FastAPI's default CDN links, which need the
internet.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

PAGE_FILES = {
    "page.js": "text/javascript; charset=utf-8",
    "page.css": "text/css; charset=utf-8",
}
SWAGGER_FILES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}


@cache
def _static(name: str) -> bytes:
    return (files("nerlab.serve") / "static" / name).read_bytes()


def _swagger_dir() -> Path | None:
    try:
        import fastapi_offline  # type: ignore[import-untyped]
    except ImportError:
        return None
    folder = Path(fastapi_offline.__file__).parent / "static"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def add_page_routes(app: FastAPI) -> None:
    """Add ``/``, ``/static/{name}``, ``/static/swagger/{name}`` and ``/docs`` (not in the
    OpenAPI schema: they are pages, not API)."""
    swagger = _swagger_dir()

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(_static("index.html"))

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in PAGE_FILES:
            return Response(status_code=404)
        return Response(
            _static(name),
            media_type=PAGE_FILES[name],
            headers={"Cache-Control": "no-cache"},
        )

    @app.get("/static/swagger/{name}", include_in_schema=False)
    async def swagger_file(name: str) -> Response:
        if swagger is None or name not in SWAGGER_FILES:
            return Response(status_code=404)
        return Response(
            _swagger_bytes(swagger, name),
            media_type=SWAGGER_FILES[name],
            headers={"Cache-Control": "max-age=86400"},
        )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        if swagger is None:
            return get_swagger_ui_html(openapi_url="/openapi.json", title="nerlab API")
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="nerlab API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon.png",
        )


@cache
def _swagger_bytes(folder: Path, name: str) -> bytes:
    return (folder / name).read_bytes()
