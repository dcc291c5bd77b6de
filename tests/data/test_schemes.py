"""Tag schemes: parsing, detection, conversion, invalid transitions (and the CoNLL data sets)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from seqeval.metrics.sequence_labeling import get_entities as seq_get_entities

from nerlab.data.schemes import (
    SCHEMES,
    convert_tags,
    decode_lenient,
    detect_scheme,
    invalid_transitions,
    parse_tag,
)

TYPES = ("PER", "LOC", "MISC")
PREFIXES = {"IOB1": "BIO", "IOB2": "BIO", "IOBES": "BIESO", "BILOU": "BILUO"}


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("O", ("O", "")),
        ("B-PER", ("B", "PER")),
        ("I-ORG", ("I", "ORG")),
        ("E-LOC", ("E", "LOC")),
        ("S-MISC", ("S", "MISC")),
        ("L-X", ("L", "X")),
        ("U-date-time", ("U", "date-time")),
        ("B-NP", ("B", "NP")),
    ],
)
def test_parse_tag_valid(tag: str, expected: tuple[str, str]) -> None:
    assert parse_tag(tag) == expected


@pytest.mark.parametrize("tag", ["X-PER", "B-", "B", "", "BPER", "b-PER", "O-PER", "B_PER", "-PER"])
def test_parse_tag_invalid_names_the_tag_and_what_is_allowed(tag: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_tag(tag)
    assert str(exc.value) == (
        f"invalid tag {tag!r}: allowed are O or a prefix B-, I-, E-, S-, L-, U- followed by a type"
    )


@pytest.mark.parametrize(
    ("seqs", "expected"),
    [
        ([["I-PER", "I-PER", "O", "I-LOC", "B-LOC"]], "IOB1"),
        ([["B-PER", "I-PER", "O", "B-LOC", "B-LOC"]], "IOB2"),
        ([["B-PER", "E-PER", "O", "S-LOC"]], "IOBES"),
        ([["B-PER", "L-PER", "O", "U-LOC"]], "BILOU"),
        ([["S-LOC"]], "IOBES"),
        ([["U-LOC"]], "BILOU"),
        ([["B-PER"], ["O", "B-LOC"]], "IOB2"),
        ([], "IOB2"),
        ([[], ["O", "O"]], "IOB2"),
        # IOB2 with one broken transition among many well-formed entities stays IOB2.
        ([["B-PER", "O", "B-LOC", "I-LOC", "O", "I-ORG", "B-MISC"]], "IOB2"),
        # IOB1 with a redundant B- after O (as in CoNLL-2003 train) stays IOB1.
        ([["I-ORG", "O", "B-MISC", "O", "I-PER", "I-PER", "O", "I-LOC"]], "IOB1"),
    ],
)
def test_detect_scheme(seqs: list[list[str]], expected: str) -> None:
    assert detect_scheme(seqs) == expected


def test_detect_scheme_rejects_mixed_iobes_and_bilou() -> None:
    mixed = r"mix IOBES prefixes \(E-, S-\) with BILOU prefixes \(U-\)"
    with pytest.raises(ValueError, match=mixed):
        detect_scheme([["S-PER", "E-PER"], ["U-LOC"]])


def test_detect_scheme_rejects_malformed_tag() -> None:
    with pytest.raises(ValueError, match="invalid tag 'X-PER'"):
        detect_scheme([["O", "X-PER"]])


@pytest.mark.parametrize(
    ("tags", "scheme", "expected"),
    [
        (["O", "I-PER", "B-LOC", "I-LOC"], "IOB2", [1]),
        (["B-PER", "I-LOC"], "IOB2", [1]),
        (["I-PER"], "IOB2", [0]),
        (["B-PER", "I-PER", "I-PER", "O"], "IOB2", []),
        (["E-PER"], "IOB2", [0]),  # a prefix IOB2 does not use
        (["I-PER", "B-PER", "O", "B-LOC"], "IOB1", []),
        (["S-PER"], "IOB1", [0]),
        (["B-PER", "I-PER", "E-PER", "S-LOC"], "IOBES", []),
        (["B-PER", "O"], "IOBES", [0]),  # B- never closed
        (["B-PER"], "IOBES", [0]),  # closed by the end of the sentence
        (["O", "E-PER"], "IOBES", [1]),  # E- never opened
        (["B-PER", "I-PER", "S-PER"], "IOBES", [1]),
        (["B-PER", "E-LOC"], "IOBES", [0, 1]),
        (["L-PER"], "IOBES", [0]),
        (["B-PER", "I-PER", "L-PER", "U-LOC"], "BILOU", []),
        (["U-PER", "I-PER", "L-PER"], "BILOU", [1]),  # I- after U-; the L- then closes it
        (["B-PER", "E-PER"], "BILOU", [0, 1]),
        ([], "IOB2", []),
    ],
)
def test_invalid_transitions(tags: list[str], scheme: str, expected: list[int]) -> None:
    assert invalid_transitions(tags, scheme) == expected


@pytest.mark.parametrize("bad", ["IOB3", "iobes2", "", "IOE2"])
def test_unknown_scheme_names_allowed_ones(bad: str) -> None:
    allowed = "allowed are IOB1, IOB2, IOBES, BILOU"
    with pytest.raises(ValueError, match=f"unknown tag scheme {bad!r}: {allowed}"):
        invalid_transitions(["O"], bad)
    with pytest.raises(ValueError, match=allowed):
        convert_tags(["O"], bad, "IOB2")
    with pytest.raises(ValueError, match=allowed):
        convert_tags(["O"], "IOB2", bad)


def test_scheme_names_are_case_insensitive() -> None:
    assert convert_tags(["I-PER"], "iob1", "bilou") == ["U-PER"]


@pytest.mark.parametrize(
    ("tags", "src", "dst", "expected"),
    [
        (["I-ORG", "I-ORG", "B-ORG", "O"], "IOB1", "IOB2", ["B-ORG", "I-ORG", "B-ORG", "O"]),
        (["O", "B-MISC", "I-MISC"], "IOB1", "IOB2", ["O", "B-MISC", "I-MISC"]),
        (["I-PER", "I-LOC"], "IOB1", "IOB2", ["B-PER", "B-LOC"]),
        (
            ["B-PER", "I-PER", "B-PER", "B-LOC"],
            "IOB2",
            "IOB1",
            ["I-PER", "I-PER", "B-PER", "I-LOC"],
        ),
        (
            ["B-PER", "I-PER", "I-PER", "B-LOC"],
            "IOB2",
            "IOBES",
            ["B-PER", "I-PER", "E-PER", "S-LOC"],
        ),
        (["B-PER", "I-PER", "B-LOC"], "IOB2", "BILOU", ["B-PER", "L-PER", "U-LOC"]),
        (["S-PER", "B-LOC", "E-LOC"], "IOBES", "IOB2", ["B-PER", "B-LOC", "I-LOC"]),
        (["U-PER", "B-LOC", "L-LOC"], "BILOU", "IOBES", ["S-PER", "B-LOC", "E-LOC"]),
        (["O", "I-PER", "I-PER"], "IOB2", "IOB2", ["O", "B-PER", "I-PER"]),  # repaired
        ([], "IOB2", "BILOU", []),
    ],
)
def test_convert_tags(tags: list[str], src: str, dst: str, expected: list[str]) -> None:
    assert convert_tags(tags, src, dst) == expected


def test_convert_rejects_prefix_the_source_scheme_does_not_use() -> None:
    with pytest.raises(ValueError, match=r"tag 'E-PER' at position 1 is not used in IOB2"):
        convert_tags(["B-PER", "E-PER"], "IOB2", "IOBES")
    with pytest.raises(ValueError, match="invalid tag 'X-PER'"):
        convert_tags(["X-PER"], "IOB2", "IOBES")


def valid_iob2(rng: random.Random, n: int) -> list[str]:
    tags: list[str] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.4:
            tags.append("O")
        elif r < 0.7 or not tags or tags[-1] == "O":
            tags.append(f"B-{rng.choice(TYPES)}")
        else:
            tags.append("I-" + tags[-1][2:])
    return tags


@given(st.randoms(use_true_random=False), st.integers(0, 15))
def test_round_trip_through_every_scheme(rng: random.Random, n: int) -> None:
    tags = valid_iob2(rng, n)
    assert invalid_transitions(tags, "IOB2") == []
    for scheme in SCHEMES:
        converted = convert_tags(tags, "IOB2", scheme)
        assert invalid_transitions(converted, scheme) == []
        has_entity = any(t != "O" for t in tags)
        assert detect_scheme([converted]) == (scheme if has_entity else "IOB2")
        assert convert_tags(converted, scheme, "IOB2") == tags


@given(st.randoms(use_true_random=False), st.sampled_from(SCHEMES), st.integers(0, 12))
def test_conversion_of_any_sequence_gives_valid_tags_and_conlleval_entities(
    rng: random.Random, scheme: str, n: int
) -> None:
    tags = [
        "O" if (p := rng.choice(PREFIXES[scheme])) == "O" else f"{p}-{rng.choice(TYPES)}"
        for _ in range(n)
    ]
    for dst in SCHEMES:
        assert invalid_transitions(convert_tags(tags, scheme, dst), dst) == []
    # Entities are read the way the conlleval script (and seqeval's default mode) reads them.
    as_iobes = [{"L": "E", "U": "S"}.get(t[0], t[0]) + t[1:] for t in tags]
    expected = [(t, s, e + 1) for t, s, e in seq_get_entities(as_iobes)]
    assert decode_lenient(tags) == expected
    assert decode_lenient(convert_tags(tags, scheme, "IOB2")) == expected


def read_tag_column(path: Path) -> list[list[str]]:
    """Last column of a CoNLL file, one list per sentence, -DOCSTART- lines dropped."""
    sentences: list[list[str]] = []
    current: list[str] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        fields = line.split()
        if not fields or fields[0] == "-DOCSTART-":
            if current:
                sentences.append(current)
                current = []
            continue
        current.append(fields[-1])
    if current:
        sentences.append(current)
    return sentences


@pytest.mark.slow
@pytest.mark.parametrize(
    ("original", "corrected", "n_sentences"),
    [("eng.train", "conllpp_train.txt", 14041), ("eng.testa", "conllpp_dev.txt", 3250)],
)
def test_conll2003_iob1_to_iob2_equals_conllpp(
    shared_data: Path, original: str, corrected: str, n_sentences: int
) -> None:
    iob1 = read_tag_column(shared_data / "conll2003" / original)
    iob2 = read_tag_column(shared_data / "conllpp" / corrected)
    assert len(iob1) == len(iob2) == n_sentences
    assert detect_scheme(iob1) == "IOB1"
    assert detect_scheme(iob2) == "IOB2"
    assert sum(len(invalid_transitions(t, "IOB2")) for t in iob2) == 0
    converted = [convert_tags(t, "IOB1", "IOB2") for t in iob1]
    differing = [i for i, (a, b) in enumerate(zip(converted, iob2, strict=True)) if a != b]
    assert differing == []
    # And back: IOB2 -> IOB1 gives the original file except its two redundant B- after O.
    back = [convert_tags(t, "IOB2", "IOB1") for t in iob2]
    changed = sum(
        a != b for s, t in zip(back, iob1, strict=True) for a, b in zip(s, t, strict=True)
    )
    assert changed == (2 if original == "eng.train" else 0)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["de", "en", "fr", "it"])
def test_wikiann_is_detected_as_iob2(shared_data: Path, lang: str) -> None:
    tags = read_tag_column(shared_data / "wikiann" / f"train-{lang}.tsv")
    assert detect_scheme(tags) == "IOB2"
