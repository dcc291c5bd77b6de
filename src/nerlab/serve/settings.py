"""What a server instance is allowed to do: batching, limits, security.

One frozen object describes a server completely (the CLI builds it from its options, tests build
it directly), so the app factory takes a Predictor and these settings and nothing else.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from nerlab.errors import ConfigError

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})

# The default batch budget on CPU. A server's batches are a few texts of mixed lengths, not a
# length-sorted corpus: smaller batches of similar length waste less on padding. MiniLM-L6 on
# CoNLL++ sentences, 32 clients, one thread, 3 interleaved rounds: median texts/s 101 (128),
# 109 (256), 97 (512), 88 (1024, the engine's CPU budget, best for whole sorted files).
CPU_BATCH_TOKENS = 256


@dataclass(frozen=True)
class ServeSettings:
    """Batching, limits and security of one server.

    Attributes:
        model_name: the name ``GET /v1/model`` reports (the model folder's name by default).
        max_batch_tokens: token budget of one batch (``batch size * padded length``, as the
            engine counts it); requests are grouped until the next one would exceed it. ``None``:
            :data:`CPU_BATCH_TOKENS` on CPU, the Predictor's own budget on a GPU; ``0``:
            batching off, one text per forward.
        max_wait_ms: how long the first request of a batch waits for more work.
        max_request_bytes: largest request body; a larger one is answered 413.
        max_texts: most texts (or word lists) in one request; more is answered 413.
        max_concurrent_requests: requests admitted at once (queued or running); one more is
            answered 429.
        api_key: when set, every route but the health checks and the static page shell needs
            ``Authorization: Bearer <key>``.
        cors_origins: origins allowed by CORS; empty: CORS off (no CORS headers at all).
        graceful_timeout_s: on SIGTERM, how long requests in flight may take to finish.

    Example:
        >>> ServeSettings(max_batch_tokens=0).batching
        False
    """

    model_name: str = "model"
    max_batch_tokens: int | None = None
    max_wait_ms: float = 5.0
    max_request_bytes: int = 1_000_000
    max_texts: int = 256
    max_concurrent_requests: int = 128
    api_key: str | None = None
    cors_origins: tuple[str, ...] = ()
    graceful_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        positive = {
            "max_request_bytes": self.max_request_bytes,
            "max_texts": self.max_texts,
            "max_concurrent_requests": self.max_concurrent_requests,
        }
        for name, value in positive.items():
            if value < 1:
                raise ConfigError(f"{name} must be at least 1, got {value}")
        if self.max_batch_tokens is not None and self.max_batch_tokens < 0:
            raise ConfigError(
                "max_batch_tokens must be 0 (batching off) or positive, "
                f"got {self.max_batch_tokens}"
            )
        if self.max_wait_ms < 0 or self.graceful_timeout_s < 0:
            raise ConfigError("max_wait_ms and graceful_timeout_s must not be negative")
        if self.api_key is not None and not self.api_key.strip():
            raise ConfigError("the API key is empty; give a non-empty key or none")

    @property
    def batching(self) -> bool:
        """Whether requests are batched together (``max_batch_tokens`` is not 0)."""
        return self.max_batch_tokens != 0


def is_loopback(host: str) -> bool:
    """Whether ``host`` binds only the loopback interface (127.0.0.0/8, ::1, localhost).

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0")
        (True, False)
    """
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def bind_warning(host: str, api_key: str | None) -> str | None:
    """The warning to show when the server is reachable from other machines without a key."""
    if api_key or is_loopback(host):
        return None
    return (
        f"binding {host} makes the server reachable from other machines, and no API key is "
        "set: anyone who can reach it can use it. Set --api-key (or NERLAB_API_KEY), or bind "
        "127.0.0.1 behind a reverse proxy."
    )


def batch_budget(max_batch_tokens: int | None, predictor_budget: int) -> int:
    """The token budget a server's batches use (0: batching off).

    Example:
        >>> batch_budget(None, 1024), batch_budget(None, 8192), batch_budget(0, 1024)
        (256, 8192, 0)
    """
    if max_batch_tokens is not None:
        return max_batch_tokens
    from nerlab.models.engine import CPU_TOKEN_BUDGET

    if predictor_budget > CPU_TOKEN_BUDGET:  # a GPU budget: big batches pay off there
        return predictor_budget
    return min(CPU_BATCH_TOKENS, predictor_budget)
