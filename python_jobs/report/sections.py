"""The report's sections, in pipeline order: which tables each reads, the command that builds them, and the
stage module that fills it (python_jobs/report/stages/).

A section whose tables are all missing is "not built yet" and names the command that builds it; one with some
tables missing shows what it has and lists the rest. Nothing here computes a new result: figures and tables show
the pipeline's own tables (grouped or binned for display at most).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from python_jobs.report.model import Section
from python_jobs.report.stages import enrich, finetune, generate, prepare, recommend, semantic_ids
from python_jobs.report.tables import OutputTables


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    stage: str
    summary: str
    tables: tuple[str, ...]
    command: str  # {vars} and {category} are filled per category
    fill: Callable[[OutputTables, Section], None]


SECTIONS = [
    SectionSpec(
        "prepare",
        "Data preparation",
        "Stage 1 · notebook 01",
        "Raw meta and interaction lines become items and one sequence per user; every unusable line is kept with "
        "its reason.",
        ("prep_step_counts", "prep_sequence_length_distribution", "prep_sequence_length_stats", "prep_rejects"),
        "dbt build --select tag:stage_01{vars}",
        prepare.data_preparation,
    ),
    SectionSpec(
        "cleaning",
        "Text cleaning",
        "Stage 2 · notebooks 02-03",
        "Descriptions and titles cleaned by the enrichment provider; lengths and quality issues before and after.",
        ("items_enriched", "enrich_text_quality", "enrich_char_reduction", "enrich_calls"),
        "dbt build --select tag:stage_02{vars}",
        enrich.text_cleaning,
    ),
    SectionSpec(
        "metadata",
        "Metadata",
        "Stage 2 · notebooks 04-05",
        "Structured fields extracted from the cleaned text, categories, store and details.",
        ("enrich_metadata_coverage", "enrich_value_distribution"),
        "dbt build --select tag:stage_02{vars}",
        enrich.metadata,
    ),
    SectionSpec(
        "semantic-ids",
        "Embeddings and Semantic IDs",
        "Stage 3 · notebooks 06-07",
        "Item texts embedded, quantized into 3 codes, and made unique by a 4th code.",
        (
            "sid_model",
            "sid_training_metrics",
            "sid_level_usage",
            "sid_items_per_code",
            "semantic_ids",
            "sid_collision_groups",
            "sid_fourth_code_distribution",
            "sid_uniqueness",
        ),
        "dbt build --select tag:stage_03{vars}",
        semantic_ids.quantizer_and_ids,
    ),
    SectionSpec(
        "finetune",
        "Fine-tuning data",
        "Stage 4 · notebook 08",
        "Conversations that teach an LLM to read and write Semantic IDs, and the checks that no evaluation user or "
        "held-out item leaks into training.",
        ("finetune_stats", "finetune_leak_check"),
        "dbt build --select tag:stage_04{vars}",
        finetune.finetuning,
    ),
    SectionSpec(
        "recommenders",
        "Recommenders",
        "Stage 5 · notebooks 09-10",
        "Item-ID SASRec, Semantic-ID SASRec and simple baselines on the same validation users, under sampled "
        "(1 target + sampled negatives) and full ranking, and the lists they generate (protocol generative).",
        (
            "rec_metrics",
            "rec_metrics_breakdown",
            "rec_training_curves",
            "recommenders",
            "sid_variant_metrics",
            "rec_beam_agreement",
        ),
        "dbt build --select tag:stage_05{vars}   (then: python -m python_jobs eval{category})",
        recommend.recommenders,
    ),
    SectionSpec(
        "llm",
        "An LLM that speaks Semantic IDs",
        "Stage 6",
        "SmolLM2 fine-tuned on the stage-4 conversations: next item by constrained beam search beside stage 5's "
        "generative rows, ID recall on held-out items, invalid IDs without the constraint.",
        ("llm_metrics", "llm_conversations"),
        "python -m python_jobs finetune-llm{category}, then dbt build --select tag:stage_06 --vars "
        "'{{llm_evaluate: true}}'",
        generate.llm,
    ),
]


def build_sections(tables: OutputTables, category: str, default_category: str) -> list[Section]:
    vars_flag = "" if category == default_category else f" --vars '{{category: {category}}}'"
    category_flag = "" if category == default_category else f" --category {category}"
    sections = []
    for spec in SECTIONS:
        section = Section(
            key=spec.key,
            title=spec.title,
            stage=spec.stage,
            summary=spec.summary,
            tables_used=spec.tables,
            command=spec.command.format(vars=vars_flag, category=category_flag),
            missing=tables.missing(*spec.tables),
        )
        if section.built:
            spec.fill(tables, section)
        sections.append(section)
    return sections
