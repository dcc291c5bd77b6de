#!/usr/bin/env python3
"""The baseline for bench/serve_load.py: the HTTP app NER users write by hand today.

A plain FastAPI app around ``transformers.pipeline("token-classification",
aggregation_strategy="simple")``, one request at a time (a lock around the pipeline, as a
Flask app with one worker behaves), with the same request body as ``nerlab serve``
(``{"texts": [...]}``) so the same load generator drives both. It binds 127.0.0.1 only.

    python bench/serve_baseline_hf.py MODEL_DIR --port 8001 [--threads N]
"""

from __future__ import annotations

import argparse
import threading
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel


class Texts(BaseModel):
    """The request body: raw texts."""

    texts: list[str]


def build_app(model_dir: str) -> FastAPI:
    """The pipeline, loaded once, behind ``POST /v1/entities`` (plus ``/readyz``)."""
    from transformers import pipeline

    nlp = pipeline("token-classification", model=model_dir, aggregation_strategy="simple")
    nlp("Warm-up sentence .")
    lock = threading.Lock()
    app = FastAPI()

    @app.post("/v1/entities")
    def entities(body: Texts) -> dict[str, Any]:
        with lock:  # one request at a time
            found = nlp(body.texts) if body.texts else []
        results = [
            {
                "entities": [
                    {
                        "start": int(e["start"]),
                        "end": int(e["end"]),
                        "label": e["entity_group"],
                        "text": text[int(e["start"]) : int(e["end"])],
                        "score": round(float(e["score"]), 6),
                    }
                    for e in ents
                ]
            }
            for text, ents in zip(body.texts, found, strict=True)
        ]
        return {"model": model_dir, "results": results}

    @app.get("/readyz")
    def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    uvicorn.run(build_app(args.model), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
