"""Stage 6 on a tiny random LLM with the real SmolLM2 tokenizer (tests/llm_toy.py): real transformers, TRL and
torch, no mocks. One toy model is fine-tuned per module (vocab then full phase) and shared by the decoding and
chat tests; the kill test trains its own in a subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from python_jobs.common.registry import ModelRegistry
from python_jobs.llm.settings import LlmSettings
from python_jobs.llm.vocab import SID_END, SID_START, extend_vocabulary, format_sid, parse_sids, sid_tokens
from tests.llm_toy import CODEBOOK, SYSTEM, TARGET, TOY_IDS, tiny_base, toy_category, toy_prompt

pytest.importorskip("trl")
POSITIONS = 4
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return tiny_base(tmp_path_factory.mktemp("llm_base"))


def toy_settings(root: Path, base: Path, **changes) -> LlmSettings:
    return LlmSettings.load({**toy_category(root), "llm_base_model": str(base), **changes})


TOY_TRAINING = {
    "llm_selection_records": 8,
    "llm_phase1_steps": 4,
    "llm_phase2_steps": 24,
    "llm_phase2_lr": 0.02,
    "llm_batch_size": 8,
    "llm_eval_every": 24,
}


@pytest.fixture(scope="module")
def trained(base, tmp_path_factory):
    from python_jobs.llm.train import finetune

    root = tmp_path_factory.mktemp("llm_toy")
    settings = toy_settings(root, base, **TOY_TRAINING)
    entry = finetune(settings, root, log=print)
    return settings, entry, root


def test_every_semantic_id_is_levels_plus_two_tokens_and_round_trips(base):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model, tokenizer = AutoModelForCausalLM.from_pretrained(base), AutoTokenizer.from_pretrained(base)
    old = model.get_input_embeddings().weight.detach().clone()
    new_ids = extend_vocabulary(model, tokenizer, POSITIONS, 256, seed=0)
    assert len(new_ids) == len(set(new_ids)) == 3 + POSITIONS * 256
    rng = np.random.default_rng(0)
    for codes in [tuple(int(c) for c in rng.integers(0, 256, POSITIONS)) for _ in range(50)] + [(255,) * POSITIONS]:
        text = format_sid(codes, 256)
        ids = tokenizer(f"bought {text}, then", add_special_tokens=False)["input_ids"]
        sid_ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert len(sid_ids) == POSITIONS + 2 and sid_ids[0] == tokenizer.convert_tokens_to_ids(SID_START)
        assert tokenizer.decode(sid_ids) == text and parse_sids(tokenizer.decode(ids), POSITIONS, 256) == [codes]
    # new rows: near the old rows' mean (noise = 0.1 x their std), distinct, the old rows untouched
    weight = model.get_input_embeddings().weight.detach()
    assert torch.equal(weight[: old.shape[0]], old)
    new = weight[old.shape[0] :]
    assert new.shape[0] == len(sid_tokens(POSITIONS, 256))
    assert (new.mean(0) - old.mean(0)).abs().max() < 0.05 * old.std(0).max() + 1e-6
    assert torch.unique(new, dim=0).shape[0] == new.shape[0]
    # a tied head shares the rows
    assert model.get_output_embeddings().weight.shape == weight.shape


def test_vocab_phase_moves_only_new_rows_and_loss_falls(trained):
    settings, entry, root = trained
    from transformers import AutoModelForCausalLM

    summary = ModelRegistry.summary(entry)
    vocab, full = summary["phases"]
    base = AutoModelForCausalLM.from_pretrained(settings.llm_base_model).get_input_embeddings().weight
    after_vocab = AutoModelForCausalLM.from_pretrained(entry / "vocab" / "final").get_input_embeddings().weight
    rows = base.shape[0]
    assert torch.equal(after_vocab[:rows], base)  # every old row bit-identical after the vocab phase
    from transformers import AutoTokenizer

    fresh = AutoModelForCausalLM.from_pretrained(settings.llm_base_model)
    extend_vocabulary(
        fresh, AutoTokenizer.from_pretrained(settings.llm_base_model), POSITIONS, CODEBOOK, settings.llm_seed
    )
    assert not torch.equal(after_vocab[rows:], fresh.get_input_embeddings().weight[rows:])  # the new rows learnt
    final = AutoModelForCausalLM.from_pretrained(entry / "model").get_input_embeddings().weight
    assert not torch.equal(final[:rows], base)  # the full phase trains the old rows too (the vocab mask is gone)
    assert full["steps"] == settings.llm_phase2_steps and vocab["steps"] == settings.llm_phase1_steps
    assert full["last_loss"] < 0.5 * full["first_loss"], full
    assert summary["selection_records"] == 8 and summary["train_records"] == 300 - 8


def test_constrained_beam_returns_existing_ids_and_the_trained_item_first(trained):
    from python_jobs.generate.trie import CodeTrie
    from python_jobs.llm.finetuned import load_finetuned
    from python_jobs.llm.generate import beam_ids

    _, entry, _ = trained
    model, tokenizer = load_finetuned(entry, "cpu")
    trie = CodeTrie.from_codes(np.array(TOY_IDS), CODEBOOK)
    prompts = [toy_prompt(c) for c in TOY_IDS[:3]]
    top = beam_ids(model, tokenizer, trie, SYSTEM, prompts, width=len(TOY_IDS))
    assert top.items.shape == (3, len(TOY_IDS))
    assert ((top.items >= 0) & (top.items < len(TOY_IDS))).all()  # only existing items, each once
    assert all(len(set(row)) == len(row) for row in top.items.tolist())
    assert top.items[:, 0].tolist() == [TARGET] * 3
    assert torch.isfinite(top.scores).all() and (top.scores[:, :-1] >= top.scores[:, 1:]).all()


def test_chat_prompt_prints_the_generated_items_title(trained):
    from python_jobs.llm.cli import chat

    settings, entry, root = trained
    prompt = toy_prompt(TOY_IDS[0]).replace("\n", "\\n")
    args = ["--category", "toy", "--out-dir", settings.out_dir, "--registry", settings.sid_registry_dir]
    result = CliRunner().invoke(chat, [*args, "--model", entry.name, "--device", "cpu", "--prompt", prompt])
    assert result.exit_code == 0, result.output
    assert f"1. {format_sid(TOY_IDS[TARGET], CODEBOOK)}  Toy item number {TARGET}" in result.output
    assert SID_END in result.output


def test_a_killed_finetune_resumes_from_its_last_checkpoint(base, tmp_path):
    settings = toy_settings(
        tmp_path,
        base,
        llm_phases=["full"],
        llm_phase2_steps=8,
        llm_eval_every=1,
        llm_selection_records=4,
        llm_batch_size=4,
    )
    code = (
        "import sys, json; from pathlib import Path; from python_jobs.llm.settings import LlmSettings; "
        "from python_jobs.llm.train import finetune; "
        f"finetune(LlmSettings.load(json.loads(sys.argv[1])), Path({str(tmp_path)!r}))"
    )
    vars_ = {k: v for k, v in settings.model_dump().items() if k in LlmSettings.model_fields}
    env = {**os.environ, "PYTHONPATH": str(REPO), "WANDB_MODE": "disabled"}
    process = subprocess.Popen([sys.executable, "-c", code, json.dumps(vars_)], env=env, cwd=REPO)
    from python_jobs.llm.train import registry_entry

    folder = registry_entry(settings, tmp_path) / "full"
    deadline = time.time() + 300
    while not (folder / "checkpoint-3" / "trainer_state.json").exists():
        assert process.poll() is None, "the run ended before it could be killed"
        assert time.time() < deadline
        time.sleep(0.2)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done = max(int(p.name.split("-")[1]) for p in folder.glob("checkpoint-*") if (p / "trainer_state.json").exists())
    assert 3 <= done < 8 and not ModelRegistry.is_complete(folder.parent)

    from python_jobs.llm.train import finetune

    lines: list[str] = []
    entry = finetune(settings, tmp_path, log=lines.append)
    assert any(f"resuming checkpoint-{done}" in line for line in lines), lines
    result = ModelRegistry.summary(entry)["phases"][0]
    assert result["steps"] == 8
