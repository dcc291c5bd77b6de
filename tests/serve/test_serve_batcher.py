"""The dynamic batcher: batches under the token budget, never mixes settings, drains on stop.

A long ``max_wait_ms`` makes every job of a test arrive inside the first job's window, so the
batches are decided by the budget and the keys alone (nothing here asserts a duration).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from _serve_helpers import load_predictor

from nerlab.inference import Predictor
from nerlab.serve.batcher import Batcher
from nerlab.serve.metrics import ServeMetrics

# 6 words of one sub-token each, plus [CLS] and [SEP]: 8 sub-tokens per text.
EIGHT_TOKENS = "paris london rome berlin madrid vienna"


def _spied(folder: Path) -> tuple[Predictor, list[list[str]]]:
    predictor = load_predictor(folder)
    calls: list[list[str]] = []
    for name in ("tag_texts", "tag_words"):
        run = getattr(predictor, name)

        def spy(items, _run=run, **kwargs):
            calls.append(list(items))
            return _run(items, **kwargs)

        setattr(predictor, name, spy)
    return predictor, calls


async def _submit_all(batcher: Batcher, jobs: list[tuple]) -> list:
    batcher.start()
    await asyncio.to_thread(batcher.ready.wait, 60)
    try:
        return await asyncio.gather(*(batcher.submit(*job) for job in jobs))
    finally:
        await asyncio.to_thread(batcher.stop, 60)


def test_batches_stay_under_the_token_budget(tagger_dir: Path) -> None:
    predictor, calls = _spied(tagger_dir)
    assert len(predictor.tokenizer(EIGHT_TOKENS)["input_ids"]) == 8
    batcher = Batcher(predictor, max_batch_tokens=32, max_wait_ms=2000, metrics=ServeMetrics())
    jobs = [("texts", [f"{EIGHT_TOKENS}"]) for _ in range(12)]
    results = asyncio.run(_submit_all(batcher, jobs))
    assert [len(c) for c in calls[1:]] == [4, 4, 4]  # calls[0] is the warm-up
    assert all(len(r) == 1 for r in results)


def test_a_request_larger_than_the_budget_is_one_batch_of_its_own(tagger_dir: Path) -> None:
    predictor, calls = _spied(tagger_dir)
    batcher = Batcher(predictor, max_batch_tokens=32, max_wait_ms=2000, metrics=ServeMetrics())
    jobs = [("texts", [EIGHT_TOKENS] * 10), ("texts", [EIGHT_TOKENS])]
    results = asyncio.run(_submit_all(batcher, jobs))
    assert [len(c) for c in calls[1:]] == [10, 1]
    assert [len(r) for r in results] == [10, 1]


def test_jobs_with_other_settings_or_kind_never_share_a_batch(tagger_dir: Path) -> None:
    predictor, calls = _spied(tagger_dir)
    batcher = Batcher(predictor, max_batch_tokens=4096, max_wait_ms=500, metrics=ServeMetrics())
    text = "Angela Merkel visited Paris with EU officials ."
    jobs = [
        ("texts", [text], "first", None),
        ("texts", [text], "max", None),
        ("words", [text.split()], None, None),
        ("texts", [text], "first", None),
        ("texts", [text], "max", "strict"),
        ("words", [text.split()], None, None),
    ]
    results = asyncio.run(_submit_all(batcher, jobs))
    # Four keys: (texts, first), (texts, max), (words, first), (texts, max, strict).
    assert sorted(len(c) for c in calls[1:]) == [1, 1, 2, 2]
    for (kind, items, aggregation, mode), tagged in zip(jobs, results, strict=True):
        ref = Predictor.load(
            tagger_dir,
            precision="fp32",
            aggregation=aggregation or "first",
            mode=mode or "conlleval",
        )
        run = ref.tag_texts if kind == "texts" else ref.tag_words
        assert [t.entities for t in tagged] == [t.entities for t in run(items)]
    assert (predictor.aggregation, predictor.mode) == ("first", "conlleval")


def test_stop_finishes_every_queued_job(tagger_dir: Path) -> None:
    predictor, _ = _spied(tagger_dir)
    batcher = Batcher(predictor, max_batch_tokens=16, max_wait_ms=50, metrics=ServeMetrics())

    async def scenario() -> list:
        batcher.start()
        await asyncio.to_thread(batcher.ready.wait, 60)
        pending = [asyncio.ensure_future(batcher.submit("texts", [EIGHT_TOKENS])) for _ in range(9)]
        await asyncio.sleep(0)  # let every submit queue its job
        await asyncio.to_thread(batcher.stop, 60)
        return await asyncio.gather(*pending)

    results = asyncio.run(scenario())
    assert len(results) == 9 and all(len(r) == 1 for r in results)


def test_a_failed_batch_fails_only_its_requests(tagger_dir: Path) -> None:
    predictor = load_predictor(tagger_dir)
    run = predictor.tag_texts

    def flaky(items, **kwargs):
        if "boom" in items:
            raise RuntimeError("model failure")
        return run(items, **kwargs)

    predictor.tag_texts = flaky  # type: ignore[method-assign]
    batcher = Batcher(predictor, max_batch_tokens=1024, max_wait_ms=0, metrics=ServeMetrics())

    async def scenario() -> tuple[BaseException | None, list]:
        batcher.start()
        await asyncio.to_thread(batcher.ready.wait, 60)
        error: BaseException | None = None
        try:
            await batcher.submit("texts", ["boom"])
        except RuntimeError as exc:
            error = exc
        ok = await batcher.submit("texts", ["Paris"])
        await asyncio.to_thread(batcher.stop, 60)
        return error, ok

    error, ok = asyncio.run(scenario())
    assert isinstance(error, RuntimeError)
    assert len(ok) == 1
