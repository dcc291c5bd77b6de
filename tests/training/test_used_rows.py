"""Training only the rows of the word embeddings that the training data uses
(:mod:`nerlab.training.embeddings`): the same rows as training the whole matrix, the others
untouched, nothing of it visible in saved files, and resuming still continues the same run."""

from __future__ import annotations

import json

import pytest
import torch
from _train_helpers import TINY_OPTIONS, demo_files, tiny_bert_tagger
from torch import nn
from transformers import BertForTokenClassification, TrainerCallback

from nerlab.models.saved import load_tokenizer, load_torch_model
from nerlab.training import train
from nerlab.training.embeddings import (
    UsedRowsEmbedding,
    merge_used_rows,
    train_used_rows,
    used_ids,
)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return demo_files(tmp_path_factory.mktemp("rows-data"), train=32, dev=10)


def _tiny(vocab: int = 500, seed: int = 0) -> BertForTokenClassification:
    torch.manual_seed(seed)
    return tiny_bert_tagger(
        vocab,
        hidden_size=16,
        num_attention_heads=2,
        intermediate_size=32,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        pad_token_id=0,
    )


def _batches(used: torch.Tensor, steps: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(1)
    out = []
    for _ in range(steps):
        ids = used[torch.randint(len(used), (4, 9), generator=g)]
        ids[:, -2:] = 0  # padding
        out.append((ids, torch.randint(3, (4, 9), generator=g)))
    return out


def _train(model: nn.Module, batches: list, decay: float = 0.0) -> None:
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-2, weight_decay=decay)
    for ids, labels in batches:
        loss = model(input_ids=ids, attention_mask=(ids != 0).long(), labels=labels).loss
        loss.backward()
        opt.step()
        opt.zero_grad()


def test_the_used_rows_train_as_in_the_whole_matrix_and_no_other_row_moves():
    used = torch.tensor([2, 3, 5, 7, 11, 13, 101, 499])
    batches = _batches(used, 6)
    dense, rows = _tiny(), _tiny()
    before = dense.get_input_embeddings().weight.detach().clone()
    module = UsedRowsEmbedding(rows.get_input_embeddings(), [0, *used.tolist()])
    rows.set_input_embeddings(module)
    assert module.trained_rows == len(used)  # the padding id never trains
    _train(dense, batches)
    _train(rows, batches)
    after = module.merged()
    torch.testing.assert_close(after, dense.get_input_embeddings().weight.detach())
    moved = (after != before).any(dim=1).nonzero().flatten()
    assert moved.tolist() == used.tolist()
    # and the rest of the model followed the same path
    torch.testing.assert_close(
        rows.classifier.weight.detach(), dense.classifier.weight.detach(), rtol=1e-5, atol=1e-6
    )


def test_the_extra_zero_row_never_moves_even_with_weight_decay():
    model = _tiny()
    module = UsedRowsEmbedding(model.get_input_embeddings(), [4, 5])
    model.set_input_embeddings(module)
    _train(model, _batches(torch.tensor([4, 5, 6, 7]), 3), decay=0.1)
    assert torch.count_nonzero(module.delta[-1]) == 0
    assert torch.count_nonzero(module.delta[:-1]) > 0


def test_the_state_dict_holds_the_merged_matrix_only_and_loads_back():
    model = _tiny()
    module = UsedRowsEmbedding(model.get_input_embeddings(), [4, 5, 9])
    model.set_input_embeddings(module)
    _train(model, _batches(torch.tensor([4, 5, 9]), 3))
    state = model.state_dict()
    key = "bert.embeddings.word_embeddings.weight"
    assert not [k for k in state if "delta" in k or k.endswith((".rows", ".slot"))]
    torch.testing.assert_close(state[key], module.merged())
    ids = torch.tensor([[4, 5, 9, 6, 0]])
    expected = module(ids)
    # a plain model reads it as an ordinary checkpoint
    plain = _tiny(seed=5)
    assert plain.load_state_dict(state, strict=True)
    torch.testing.assert_close(plain.get_input_embeddings()(ids), expected)
    # a model in training reads it back: the matrix merged, the table at zero
    again = _tiny(seed=6)
    other = UsedRowsEmbedding(again.get_input_embeddings(), [4, 5, 9])
    again.set_input_embeddings(other)
    result = again.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    assert torch.count_nonzero(other.delta) == 0
    torch.testing.assert_close(other(ids), expected)


def test_a_wrong_shape_is_an_error_not_a_silent_load():
    model = _tiny()
    model.set_input_embeddings(UsedRowsEmbedding(model.get_input_embeddings(), [4]))
    state = _tiny(vocab=400).state_dict()
    with pytest.raises(RuntimeError, match=r"size mismatch for bert\.embeddings\.word_embeddings"):
        model.load_state_dict(state)


def test_merge_puts_a_plain_embedding_back():
    model = _tiny()
    module = UsedRowsEmbedding(model.get_input_embeddings(), [4, 5])
    model.set_input_embeddings(module)
    _train(model, _batches(torch.tensor([4, 5]), 2))
    merged = module.merged()
    assert merge_used_rows(model) == 2
    plain = model.get_input_embeddings()
    assert type(plain) is nn.Embedding and plain.padding_idx == 0
    assert plain.weight.requires_grad
    torch.testing.assert_close(plain.weight.detach(), merged)
    assert merge_used_rows(model) is None  # nothing to merge twice


def test_an_embedding_subclass_keeps_training_the_whole_matrix():
    class Scaled(nn.Embedding):
        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            return super().forward(ids) * 2.0

    model = _tiny()
    model.set_input_embeddings(Scaled(500, 16))
    assert train_used_rows(model, [{"input_ids": [1, 2]}]) is None
    assert type(model.get_input_embeddings()) is Scaled


def test_used_ids_of_a_dataset():
    data = [{"input_ids": [5, 3, 5]}, {"input_ids": [9]}, {"input_ids": []}]
    assert used_ids(data).tolist() == [3, 5, 9]
    assert used_ids([]).tolist() == []


def test_a_run_trains_exactly_the_rows_its_data_uses(tmp_path, tiny_encoder_dir, files):
    from transformers import AutoModelForTokenClassification

    base = load_torch_model(tiny_encoder_dir, AutoModelForTokenClassification)
    before = base.get_input_embeddings().weight.detach()
    seen: dict[str, object] = {}

    class Look(TrainerCallback):
        def on_step_end(self, args, state, control, optimizer=None, model=None, **kwargs):
            emb = model.get_input_embeddings()
            seen["module"] = type(emb).__name__
            groups = optimizer.param_groups
            decayed = [p for g in groups if g["weight_decay"] > 0 for p in g["params"]]
            seen["delta_decayed"] = any(p is emb.delta for p in decayed)
            seen["delta_optimised"] = any(
                p is emb.delta for g in optimizer.param_groups for p in g["params"]
            )
            seen["matrix_optimised"] = any(
                p is emb.weight for g in optimizer.param_groups for p in g["params"]
            )
            return control

    out = tmp_path / "run"
    result = train(
        model=str(tiny_encoder_dir), output=str(out), callbacks=[Look()], **files, **TINY_OPTIONS
    )
    assert seen == {
        "module": "UsedRowsEmbedding",
        "delta_decayed": False,
        "delta_optimised": True,
        "matrix_optimised": False,
    }
    tokenizer = load_tokenizer(str(tiny_encoder_dir))
    from nerlab.data.conll import read_conll

    words = read_conll(files["train"]).words
    ids = {i for seq in tokenizer(words, is_split_into_words=True).input_ids for i in seq}
    ids.discard(tokenizer.pad_token_id)
    assert result.stats["word_embeddings"] == "trained"
    assert result.stats["word_embedding_rows_trained"] == len(ids)
    after = load_torch_model(out, AutoModelForTokenClassification).get_input_embeddings()
    assert type(after) is nn.Embedding
    moved = (after.weight.detach() != before).any(dim=1).nonzero().flatten().tolist()
    assert set(moved) <= ids and len(moved) > len(ids) // 2
    info = json.loads((out / "nerlab_config.json").read_text())
    assert info["stats"]["word_embedding_rows_trained"] == len(ids)


class _Interrupt(TrainerCallback):
    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == 3:
            raise KeyboardInterrupt


def test_an_interrupted_run_resumes_to_the_same_model(tmp_path, tiny_encoder_dir, files):
    from transformers import AutoModelForTokenClassification

    opts = {"model": str(tiny_encoder_dir), **files, **TINY_OPTIONS, "epochs": 3}
    train(output=str(tmp_path / "whole"), **opts)
    with pytest.raises(KeyboardInterrupt):
        train(output=str(tmp_path / "cut"), callbacks=[_Interrupt()], **opts)
    train(output=str(tmp_path / "cut"), resume=True, **opts)
    whole = load_torch_model(tmp_path / "whole", AutoModelForTokenClassification).state_dict()
    cut = load_torch_model(tmp_path / "cut", AutoModelForTokenClassification).state_dict()
    assert whole.keys() == cut.keys()
    for key in whole:
        torch.testing.assert_close(cut[key], whole[key], rtol=1e-5, atol=1e-6, msg=key)
