"""Dynamic batching: requests from many clients, one Predictor call per batch.

Handlers put a :class:`Job` on a queue and await its future; one worker thread drains the
queue. It takes the oldest job, adds later ones while the batch stays under the token budget
(counted as the engine counts it: ``texts * longest``), waiting at most ``max_wait_ms`` after the
first job arrived, and tags the whole batch with one Predictor call. The model runs in that
thread, so the event loop keeps accepting and answering while a batch runs, and one Predictor
is never used by two threads at once.

A tagger's jobs are ``texts`` or ``words`` (:meth:`Predictor.tag_texts` / ``tag_words``); a text
classifier's are ``classify`` (:meth:`Predictor.classify`, every class's score: a request's
``top_k`` is applied to its own results afterwards, so requests with different ``top_k`` still
share a batch). Jobs with different ``aggregation``/``mode`` or input kind never share a batch:
a job that does not fit waits, in order, for the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from nerlab.inference import Predictor
    from nerlab.serve.metrics import ServeMetrics

log = logging.getLogger("nerlab.serve")

Kind = Literal["texts", "words", "classify"]
WARM_UP = ["Angela Merkel visited Paris ."]


@dataclass(eq=False)
class Job:
    """One request's inputs and the future its handler awaits.

    Attributes:
        kind: ``texts`` (raw strings) or ``words`` (pre-split sentences) to tag, or
            ``classify`` (raw strings, a text classifier).
        items: the inputs.
        aggregation: sub-token aggregation for this request.
        mode: entity decoding for this request.
        future: resolved with one result per input (a ``Tagged``, or a classifier's
            ``Classification``), or the error.
        loop: the event loop that owns ``future``.
        arrived: ``time.monotonic()`` when the job was queued.
        lengths: estimated sub-tokens per input (set by the worker).
    """

    kind: Kind
    items: Sequence[str] | Sequence[Sequence[str]]
    aggregation: str
    mode: str
    future: asyncio.Future[list[Any]]
    loop: asyncio.AbstractEventLoop
    arrived: float = field(default_factory=time.monotonic)
    lengths: list[int] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        """Jobs with the same key may share a batch."""
        return (self.kind, self.aggregation, self.mode)


_STOP = object()


class Batcher:
    """The queue and the worker thread that tags batches of jobs.

    Args:
        predictor: the loaded model; only the worker thread calls it.
        max_batch_tokens: token budget of a batch; 0 turns batching off (one text per call).
        max_wait_ms: how long the first job of a batch waits for more.
        metrics: where batch sizes, queue depth and counts are recorded.

    Example:
        >>> batcher = Batcher(predictor, max_batch_tokens=1024, max_wait_ms=5, metrics=m)
        >>> batcher.start()
        >>> tagged = await batcher.submit("texts", ["Angela Merkel visited Paris."])
    """

    def __init__(
        self,
        predictor: Predictor,
        *,
        max_batch_tokens: int,
        max_wait_ms: float,
        metrics: ServeMetrics,
    ):
        self.predictor = predictor
        self.max_batch_tokens = max_batch_tokens
        self.max_wait = max_wait_ms / 1000.0
        self.metrics = metrics
        self.ready = threading.Event()
        self.failed: str | None = None
        self._queue: queue.SimpleQueue[Job | object] = queue.SimpleQueue()
        self._held: deque[Job] = deque()
        self._thread: threading.Thread | None = None
        self._defaults = (predictor.aggregation, predictor.mode)
        self._backend = getattr(predictor.tokenizer, "backend_tokenizer", None)

    @property
    def batching(self) -> bool:
        """Whether jobs are tagged together (``max_batch_tokens`` is not 0)."""
        return self.max_batch_tokens > 0

    def start(self) -> None:
        """Start the worker thread; it runs one warm-up forward, then sets :attr:`ready`."""
        self._thread = threading.Thread(target=self._run, name="nerlab-batcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Finish every queued job, then end the worker thread."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)
        self._thread = None

    async def submit(
        self,
        kind: Kind,
        items: Sequence[str] | Sequence[Sequence[str]],
        aggregation: str | None = None,
        mode: str | None = None,
    ) -> list[Any]:
        """Queue the inputs and wait for their results (``Tagged``, or ``Classification`` for
        ``classify``), in input order."""
        loop = asyncio.get_running_loop()
        job = Job(
            kind,
            items,
            aggregation or self._defaults[0],
            mode or self._defaults[1],
            loop.create_future(),
            loop,
        )
        self._queue.put(job)
        self.metrics.queue_depth.inc()
        return await job.future

    # --- the worker thread -------------------------------------------------------------------

    def _run(self) -> None:
        try:
            if self.predictor.task.name == "text-classification":
                self.predictor.classify(WARM_UP)
            else:
                self.predictor.tag_texts(WARM_UP)
        except Exception as exc:  # a model that cannot run at all: readyz says so
            log.exception("warm-up forward failed")
            self.failed = f"{type(exc).__name__}: {exc}"
        self.ready.set()
        stopping = False
        while not stopping or self._held:
            first = self._held.popleft() if self._held else self._queue.get()
            if first is _STOP:
                stopping = True
                continue
            assert isinstance(first, Job)
            batch = [first]
            try:
                batch, stopping = self._collect(first, stopping)
                self.metrics.queue_depth.dec(len(batch))
                self._process(batch)
            except Exception as exc:  # a bug here must fail these requests, not the thread
                log.exception("batching failed")
                for job in batch:
                    _settle(job, exc)

    @property
    def alive(self) -> bool:
        """Whether the worker thread runs (requests would wait forever otherwise)."""
        return self._thread is not None and self._thread.is_alive()

    def _collect(self, first: Job, stopping: bool) -> tuple[list[Job], bool]:
        """``first`` and the waiting jobs that fit its batch; whether a stop was seen.

        Every job already waiting is a candidate (at most ``max_concurrent_requests``); if they
        hold less work than the budget, more are awaited until the first job's wait is over.
        The batch is then filled with the compatible candidates closest in length to
        ``first``, so padding stays small; the rest wait, in arrival order, for the next batch
        (the oldest job always goes first, so none waits for ever).
        """
        self._measure(first)
        if not self.batching:
            return [first], stopping
        waiting: list[Job | object] = [*self._held]
        self._held.clear()
        while True:  # everything already queued, without waiting
            try:
                waiting.append(self._queue.get_nowait())
            except queue.Empty:
                break
        candidates: list[Job] = []
        others: list[Job] = []
        work = sum(first.lengths)
        deadline = first.arrived + self.max_wait
        while True:
            if waiting:
                job = waiting.pop(0)
            elif work < self.max_batch_tokens and not stopping:
                wait = deadline - time.monotonic()
                try:
                    job = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
            else:
                break
            if job is _STOP:
                stopping = True
                continue
            assert isinstance(job, Job)
            if job.key != first.key:
                others.append(job)
                continue
            self._measure(job)
            candidates.append(job)
            work += sum(job.lengths)
        batch = self._fill(first, candidates)
        chosen = {id(job) for job in batch}
        left = [job for job in candidates if id(job) not in chosen] + others
        self._held.extend(sorted(left, key=lambda job: job.arrived))
        return batch, stopping

    def _fill(self, first: Job, candidates: list[Job]) -> list[Job]:
        """``first`` plus the candidates closest to it in length that keep the batch's padded
        size (``texts * longest``) within the budget."""
        batch = [first]
        count, longest = len(first.lengths), max(first.lengths, default=0)
        for job in sorted(candidates, key=lambda job: abs(max(job.lengths, default=0) - longest)):
            wider = max(longest, max(job.lengths, default=0))
            if (count + len(job.lengths)) * wider <= self.max_batch_tokens:
                batch.append(job)
                count, longest = count + len(job.lengths), wider
        return batch

    def _measure(self, job: Job) -> None:
        """Estimate the sub-tokens of each input, as windows the engine would batch."""
        if job.lengths or not job.items:
            return
        max_length = self.predictor.meta.max_length
        sizes: list[int] | None = None
        if self._backend is not None:
            pretok = job.kind == "words"
            try:
                encoded = self._backend.encode_batch(list(job.items), is_pretokenized=pretok)
                sizes = [len(e.ids) for e in encoded]
            except Exception:  # only an estimate: the Predictor reports real problems
                sizes = None
        if sizes is None:  # about 4 characters per sub-token
            sizes = [len(" ".join(x) if job.kind == "words" else x) // 4 + 2 for x in job.items]
        lengths: list[int] = []
        for size in sizes:
            # A long input becomes several windows of up to max_length, a quarter overlapping.
            windows = 1 if size <= max_length else math.ceil(size / (0.75 * max_length))
            lengths.extend([min(size, max_length)] * windows)
        job.lengths = lengths

    def _process(self, batch: list[Job]) -> None:
        """Tag (or classify) every input of the batch with one Predictor call and resolve the
        futures."""
        p = self.predictor
        kind, p.aggregation, p.mode = batch[0].key  # type: ignore[assignment]
        runs = {"texts": p.tag_texts, "words": p.tag_words, "classify": p.classify}
        run = runs[kind]
        items = [x for job in batch for x in job.items]
        width = max((n for job in batch for n in job.lengths), default=0)
        self.metrics.batch_texts.observe(len(items))
        self.metrics.batch_tokens.observe(width * sum(len(job.lengths) for job in batch))
        # A model with document context reads the sentences of one ``words`` request as one
        # document (a ``texts`` request's text is one already); requests never share one.
        docs = None
        if kind == "words" and getattr(p, "context", 0):
            docs = [n for n, job in enumerate(batch) for _ in job.items]
        try:
            if docs is not None:
                tagged = p.tag_words(items, documents=docs)  # type: ignore[arg-type]
            elif self.batching:
                tagged = run(items)  # type: ignore[arg-type]
            else:  # batching off: one text per forward call (what a plain server does)
                tagged = [t for x in items for t in run([x])]  # type: ignore[list-item]
        except Exception as exc:
            log.exception("tagging a batch of %d input(s) failed", len(items))
            for job in batch:
                _settle(job, exc)
            return
        finally:
            p.aggregation, p.mode = self._defaults  # type: ignore[assignment]
        self.metrics.texts.inc(len(items))
        self.metrics.tokens.inc(sum(sum(job.lengths) for job in batch))
        start = 0
        for job in batch:
            _settle(job, tagged[start : start + len(job.items)])
            start += len(job.items)


def _settle(job: Job, outcome: list[Any] | BaseException) -> None:
    """Resolve a job's future from the worker thread (unless its client has gone)."""

    def resolve() -> None:
        if job.future.done():  # cancelled: the client disconnected
            return
        if isinstance(outcome, BaseException):
            job.future.set_exception(outcome)
        else:
            job.future.set_result(outcome)

    with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
        job.loop.call_soon_threadsafe(resolve)
