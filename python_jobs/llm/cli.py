"""`python -m python_jobs finetune-llm` (fills the model registry) and `python -m python_jobs chat` (talks to it).

finetune-llm reads stage 4's data/output/<category>/finetune/train.jsonl (written by `dbt build`) and writes the
registry entry llm-<fingerprint> (data/registry/<category>/ unless sid_registry_dir says otherwise); dbt never
fine-tunes, it evaluates that entry when asked (`dbt build --vars '{llm_evaluate: true}'`, models/06_generate).
chat loads the entry these settings name (or --model / llm_model) and answers prompts: every Semantic ID in an
answer is shown with its item's title. The setting flags are generated from LlmSettings (options_for).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from python_jobs.common.settings import options_for
from python_jobs.llm.settings import LlmSettings

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}
# decided by stages 3-5, or read only by the dbt evaluation
NOT_FLAGS = ("sid_registry_dir", "sid_codebook_size", "sid_levels", "wandb_project", "llm_evaluate")
EVAL_ONLY = (
    "ft_system_prompt",
    "ft_sid_separator",
    "ft_max_history",
    "llm_eval_users",
    "llm_recall_items",
    "llm_model",
    "rec_beam_width",
    "llm_max_new_tokens",
)
CHAT_ONLY = (
    "category",
    "out_dir",
    "sid_registry_dir",
    "llm_model",
    "llm_device",
    "llm_max_new_tokens",
    "rec_beam_width",
)


@click.command(context_settings=CONTEXT)
@options_for(LlmSettings, exclude=NOT_FLAGS + EVAL_ONLY)
@click.option("--data-dir", default="data", show_default=True, help="Caches (the converted base model) live here.")
@click.option("--retrain", is_flag=True, help="Fine-tune again even when the registry has this model.")
def finetune_llm(settings: LlmSettings, data_dir: str, retrain: bool) -> None:
    """Fine-tune the base LLM on CATEGORY's stage-4 conversations (train-or-load; prints the registry entry).

    The defaults are a CPU preset that takes minutes on the sample (a subset of the records and steps);
    --preset gpu is the full run. A killed run resumes from its last checkpoint."""
    from python_jobs.llm.train import finetune

    try:
        entry = finetune(settings, Path(data_dir), retrain=retrain)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from None
    click.echo(entry)


def _session(settings: LlmSettings, data_dir: Path):
    from python_jobs.common.device import resolve_device
    from python_jobs.common.registry import ModelRegistry
    from python_jobs.llm.finetuned import ItemTable, load_finetuned
    from python_jobs.llm.train import registry_entry

    entry = registry_entry(settings, data_dir)
    if not ModelRegistry.is_complete(entry):
        raise click.ClickException(
            f"no fine-tuned LLM {entry.name} in {entry.parent}: run `python -m python_jobs finetune-llm "
            f"--category {settings.category}` first (or name one with --model)"
        )
    # the codebook the model was trained with (its tokens), not today's var
    codebook_size = ModelRegistry.summary(entry)["settings"]["sid_codebook_size"]
    items = ItemTable.from_outputs(settings.paths(data_dir).out_dir, codebook_size)
    model, tokenizer = load_finetuned(entry, resolve_device(settings.llm_device))
    return entry, items, model, tokenizer


def answer(prompt: str, settings: LlmSettings, items, model, tokenizer) -> str:
    """The model's free answer, then every ID in it with its title; a <|rec|> prompt also gets the constrained
    beam's top 5 (IDs that exist, with titles)."""
    from python_jobs.llm.generate import beam_ids, generate_text
    from python_jobs.llm.vocab import REC, parse_sids

    system = settings.ft_system_prompt
    text = generate_text(model, tokenizer, system, [prompt], settings.llm_max_new_tokens)[0]
    lines = [f"assistant: {text}"]
    rows = items.row_of_codes()
    for codes in parse_sids(text, items.codes.shape[1], items.codebook_size):
        row = rows.get(codes)
        title = items.titles[row] if row is not None else "(no such item: an invalid ID)"
        lines.append(f"  {items.sid(row) if row is not None else codes}  {title}")
    if REC in prompt:
        ranked = beam_ids(model, tokenizer, items.trie(), system, [prompt], settings.rec_beam_width).items
        lines.append("constrained beam search, top 5:")
        lines += [
            f"  {i + 1}. {items.sid(r)}  {items.titles[r]}" for i, r in enumerate(ranked[0, :5].tolist()) if r >= 0
        ]
    return "\n".join(lines)


@click.command(context_settings=CONTEXT)
@options_for(LlmSettings, only=CHAT_ONLY)
@click.option("--prompt", default=None, help="Answer this one prompt and exit (else a REPL; an empty line quits).")
@click.option("--data-dir", default="data", show_default=True, help="Where data/registry lives.")
def chat(settings: LlmSettings, prompt: str | None, data_dir: str) -> None:
    """Talk to the fine-tuned LLM of CATEGORY, e.g. --prompt 'User: <|sid_start|>...<|sid_end|>\\n<|rec|>'.

    The original demo's prompts work: an ID history then <|rec|>, "Customers who bought ... also bought",
    plain-text preferences ending with <|rec|>. Write \\n for a line break in --prompt."""
    entry, items, model, tokenizer = _session(settings, Path(data_dir))
    if prompt is not None:
        click.echo(answer(prompt.replace("\\n", "\n"), settings, items, model, tokenizer))
        return
    click.echo(f"chatting with {entry.name} ({len(items.asins)} items); an empty line quits")
    for line in sys.stdin if not sys.stdin.isatty() else iter(lambda: input("you: "), ""):
        line = line.rstrip("\n")
        if not line:
            break
        click.echo(answer(line.replace("\\n", "\n"), settings, items, model, tokenizer))
