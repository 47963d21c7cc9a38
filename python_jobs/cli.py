"""`python -m python_jobs`: a thin click CLI over the library.

Subcommands are loaded lazily from the modules that own them, so `--help` on one job never imports the
heavy dependencies of another (torch, google-genai, sentence-transformers).
"""

from __future__ import annotations

import importlib

import click

# command name -> "module:attribute" of its click command
COMMANDS: dict[str, str] = {
    "sample": "python_jobs.data.sample.cli:sample",
    "download": "python_jobs.data.download:download",
    "enrich": "python_jobs.enrich.cli:enrich",
    "embed": "python_jobs.semantic_ids.cli:embed",
    "train-rqvae": "python_jobs.semantic_ids.cli:train_rqvae",
    "train": "python_jobs.recommend.cli:train",
    "eval": "python_jobs.recommend.cli:eval_command",
    "recommend": "python_jobs.recommend.cli:recommend",
    "report": "python_jobs.report.cli:report",
    "finetune-llm": "python_jobs.llm.cli:finetune_llm",
    "chat": "python_jobs.llm.cli:chat",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
def cli() -> None:
    """Semantic ID pipeline jobs.

    The main pipeline is `dbt build` (see README). These jobs generate sample data, download real
    categories, and run the long steps (LLM enrichment, embeddings, RQ-VAE training) outside dbt; they fill
    the same caches and registry that the dbt models read, so a following `dbt build` reuses their work.
    """


def main() -> None:
    cli()
