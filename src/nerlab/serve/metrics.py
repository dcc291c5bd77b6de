"""Prometheus metrics of one server, in a registry of its own.

Each app gets a fresh :class:`prometheus_client.CollectorRegistry`, never the process-wide
default one: importing or building an app changes no global state, two apps in one process
(tests) do not collide, and ``/metrics`` shows only the server's own series.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BATCH_TEXT_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
BATCH_TOKEN_BUCKETS = (16, 64, 256, 512, 1024, 2048, 4096, 8192, 16384, 65536)


class ServeMetrics:
    """The server's counters, gauges and histograms.

    Attributes:
        registry: the registry ``/metrics`` renders.
        requests: requests answered, by route, method and status code.
        latency: seconds from request start to the end of the response, by route.
        batch_texts: texts per batch (one Predictor call).
        batch_tokens: estimated padded tokens per batch.
        queue_depth: requests waiting for the model (admitted, not yet in a running batch).
        in_flight: requests admitted and not yet answered (the 429 limit applies to these).
        texts: texts (or word lists) tagged.
        tokens: sub-tokens tagged (estimated before windowing).
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.requests = Counter(
            "nerlab_requests",
            "HTTP requests answered, by route, method and status code.",
            ["route", "method", "status"],
            registry=reg,
        )
        self.latency = Histogram(
            "nerlab_request_duration_seconds",
            "Time from request start to the end of the response.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.batch_texts = Histogram(
            "nerlab_batch_texts",
            "Texts per batch (one Predictor call).",
            buckets=BATCH_TEXT_BUCKETS,
            registry=reg,
        )
        self.batch_tokens = Histogram(
            "nerlab_batch_tokens",
            "Estimated padded sub-tokens per batch.",
            buckets=BATCH_TOKEN_BUCKETS,
            registry=reg,
        )
        self.queue_depth = Gauge(
            "nerlab_queue_depth", "Requests waiting for the model.", registry=reg
        )
        self.in_flight = Gauge(
            "nerlab_requests_in_flight", "Requests admitted and not yet answered.", registry=reg
        )
        self.texts = Counter("nerlab_texts", "Texts (or word lists) tagged.", registry=reg)
        self.tokens = Counter("nerlab_tokens", "Sub-tokens tagged (estimated).", registry=reg)

    def render(self) -> tuple[bytes, str]:
        """The registry in Prometheus text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
