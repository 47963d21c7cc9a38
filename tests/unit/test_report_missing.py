"""Missing values in the report: NULL (or NaN) in any output table is shown as "–", in every section.

The tables are written by hand with real keys (fields, models, levels, splits) and every measure NULL, as a build
that could not compute them leaves them (a category without descriptions has no character reduction for them).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import duckdb
import pytest

from python_jobs.report import formatting
from python_jobs.report.cli import write_report
from python_jobs.report.formatting import MISSING, count, interval, number, percent, scaled, share, show, total
from python_jobs.report.sections import SECTIONS

NAN = float("nan")

# every table a section reads, keys filled in and measures NULL (typed as the dbt models type them)
NULL_TABLES = {
    "prep_step_counts": "select 'items' as stage, 1 as step_order, 'meta lines read' as step, "
    "null::bigint as rows_out, null::bigint as rows_removed, null::double as pct_removed",
    "prep_sequence_length_distribution": "select 3 as sequence_length, null::bigint as sequences, null::double as pct, "
    "null::double as cumulative_pct",
    "prep_sequence_length_stats": "select null::bigint as sequences, null::double as median_length, "
    "null::double as p90_length, null::bigint as truncated_sequences",
    "prep_rejects": "select 'meta' as source, null::bigint as line_number, 'invalid_json' as reason, "
    "null as parent_asin, '{' as raw_line",
    "items_enriched": "select 'A1' as parent_asin, null::varchar as original_title, null::varchar as title, "
    "null::varchar as original_description_text, null::varchar as description_text",
    "enrich_text_quality": "select f as field, s as stage, "
    + ", ".join(f"null::bigint as {issue}" for issue in ("html_entities", "html_tags", "excess_whitespace", "all_caps"))
    + ", "
    + ", ".join(f"null::bigint as {issue}" for issue in ("promotional", "special_chars", "excess_punctuation"))
    + ", null::bigint as many_parentheses, null::bigint as truncated, null::bigint as over_limit "
    "from (values ('description'), ('title')) a(f), (values ('before'), ('after')) b(s)",
    "enrich_char_reduction": "select 'description' as field, 6000::bigint as items, null::double as total_chars_before, "
    "null::double as total_chars_after, null::double as total_reduction_pct, null::double as mean_chars_before, "
    "null::double as mean_chars_after, null::bigint as items_shortened, null::bigint as items_unchanged, "
    "null::bigint as items_expanded",
    "enrich_calls": "select 'clean_description' as task, 1 as task_order, 'offline' as providers, "
    "'v1' as prompt_version, null::bigint as items, null::bigint as distinct_inputs, null::bigint as cached, "
    "null::bigint as answered, null::bigint as failed, null::double as attempts",
    "enrich_metadata_coverage": "select 'brand' as field, 1 as field_order, null::bigint as items, "
    "null::bigint as filled, null::bigint as distinct_values, null::double as coverage",
    "enrich_value_distribution": "select 'brand' as field, 'Sony' as value, null::bigint as items, "
    "null::double as share, 1::bigint as rank",
    "sid_model": "select 'rqvae-1' as model_id, 'rqvae' as quantizer, null::bigint as n_items, "
    "null::integer as embedding_dim, null::double as unique_share, "
    "null::double as unique_share_before_collision_policy, 'cpu' as device",
    "sid_training_metrics": "select 1 as step, 'loss' as metric, null::double as value, false as is_selected_step",
    "sid_level_usage": "select 0 as level, null::integer as codes_used, null::integer as codebook_size, "
    "null::double as usage_share, null::double as perplexity, null::double as entropy_bits",
    "sid_items_per_code": "select 0 as level, null::double as mean_items, null::integer as max_items",
    "semantic_ids": "select 'A1' as parent_asin, 1 as sid_0, 2 as sid_1, 3 as sid_2, 0 as sid_3",
    "sid_collision_groups": "select 1 as group_size, null::double as n_items",
    "sid_fourth_code_distribution": "select 0 as sid_3, null::bigint as n_items",
    "sid_uniqueness": "select null::bigint as n_items, null::bigint as n_unique_3code_ids, "
    "null::double as unique_share_3code, null::bigint as n_collision_groups, null::double as n_items_in_collisions, "
    "null::bigint as max_group_size, null::double as unique_share_with_index",
    "finetune_stats": "select sp as split, ty as type, ta as task, null::bigint as records, null::bigint as rendered, "
    "null::bigint as duplicates_removed, null::bigint as dropped_heldout_item_text, null::bigint as repeats_of_train, "
    "null::double as mean_user_words, null::double as mean_assistant_words "
    "from (values ('train', 'sft', 'next_item'), ('(all)', '(all)', '(all)')) t(sp, ty, ta)",
    "finetune_leak_check": "select 1 as check_order, 'val users in train' as check_name, 'users' as description, "
    "null::bigint as checked, null::bigint as violations",
    "rec_metrics": "select m as model, 42::bigint as seed, p as protocol, k as metric, null::double as value, "
    "null::double as ci_low, null::double as ci_high, null::bigint as n_users, 2::bigint as n_seeds, "
    "null::double as seed_mean, null::double as seed_std, null::bigint as n_short_cases "
    "from (values ('SASRec'), ('SID-SASRec')) a(m), "
    "(values ('sampled'), ('full'), ('generative')) b(p), "
    "(values ('hit@10'), ('ndcg@10'), ('mrr'), ('median_rank')) c(k)",
    "rec_metrics_breakdown": "select 'SASRec' as model, 42::bigint as seed, 'full' as protocol, 'cold_start' as breakdown, "
    "'cold' as bin, 1::bigint as bin_order, 'hit@10' as metric, null::double as value, null::bigint as n_users",
    "recommenders": "select 'SASRec' as model, 'sasrec-0123' as model_id, null::bigint as best_epoch, "
    "null::bigint as epochs_run, null::varchar as stopped_by, null::double as holdout_ndcg_at_10, "
    "null::double as train_seconds",
    "sid_variant_metrics": "select 'build' as variant, 42::bigint as seed, 'full' as protocol, "
    "null::double as unique_share_codes, null::double[] as perplexity_per_level, "
    + ", ".join(f"null::double as {c}{e}" for c in ("hit_at_10", "ndcg_at_10", "mrr") for e in ("", "_low", "_high"))
    + ", null::double as holdout_ndcg_at_10, null::double as quantizer_train_seconds, null::double as rec_train_seconds",
    "rec_beam_agreement": "select 'SID-SASRec' as model, 42::bigint as seed, null::bigint as beam_width, "
    "null::bigint as n_users, null::double as top10_recall, null::double as top1_match, "
    "null::double as beam_users_per_second, null::double as exhaustive_users_per_second",
    "rec_training_curves": "select 'SASRec' as model, 'sasrec-0123' as model_id, 1::bigint as epoch, "
    "null::double as loss, "
    "null::double as holdout_ndcg_at_10",
    "llm_metrics": "select 'llm' as model, 'llm-0123' as model_id, 'next_item' as task, 'hit@10' as metric, "
    "null::double as value, null::double as ci_low, null::double as ci_high, null::bigint as n_cases",
    "llm_conversations": "select 'llm-0123' as model_id, 'next_item' as task, 'u1' as case_id, 'User: x' as prompt, "
    "null::varchar as expected, null::varchar as generated, null::varchar as generated_titles, null::double as rank",
}


def write_null_tables(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, sql in NULL_TABLES.items():
        duckdb.sql(f"copy ({sql}) to '{directory / name}.parquet' (format parquet)")


def section_html(html: str, key: str) -> str:
    return html.split(f'<section id="{key}"')[1].split("</section>")[0]


def cells(html: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", html)


def test_every_table_a_section_reads_is_in_the_null_fixture():
    assert {t for spec in SECTIONS for t in spec.tables} <= set(NULL_TABLES)


def test_every_section_renders_null_measures_as_missing(tmp_path):
    write_null_tables(tmp_path / "nulls")
    target, sections = write_report("nulls", tmp_path)
    html = target.read_text()
    assert all(s.built and not s.missing for s in sections)
    for spec in SECTIONS:
        part = section_html(html, spec.key)
        assert MISSING in part, spec.key
        assert not re.search(r"\b(None|nan|NaN)\b", part), spec.key
    # the cells the measures fill: every one missing, the keys kept
    reduction = cells(section_html(html, "cleaning"))
    assert reduction[:10] == ["description", "6,000"] + [MISSING] * 8
    metrics = cells(section_html(html, "recommenders"))
    assert metrics[:2] == ["SASRec", "sampled"] and set(metrics[2:8]) == {MISSING}
    uniqueness = cells(section_html(html, "semantic-ids"))
    assert uniqueness.count(MISSING) >= 7 + 6  # the uniqueness row and the code-usage row
    facts = dict((label, value) for value, label in re.findall(r"<li><b>(.*?)</b><span>(.*?)</span></li>", html))
    assert facts["leak-check violations"] == facts["failed answers"] == MISSING
    assert facts["rejected lines"] == "1"  # counted from the rows, which exist
    assert facts["sequences"] == facts["median length"] == facts["unique final IDs"] == MISSING


@pytest.mark.parametrize("missing", [None, NAN])
def test_each_formatter_shows_a_missing_value_as_missing(missing):
    assert show(missing, "{:.1f}%") == MISSING
    assert count(missing) == number(missing) == percent(missing) == share(missing) == MISSING
    assert interval(missing, 0.1, 0.2) == MISSING
    assert scaled(missing, 100) is None


def test_present_values_keep_their_format():
    assert (count(12345), number(0.12345), percent(2.82), share(0.125, 2)) == ("12,345", "0.123", "2.8%", "12.50%")
    assert interval(0.5, 0.4, 0.6) == "0.500 [0.400, 0.600]"
    assert interval(0.5, None, 0.6) == "0.500"  # a missing bound: the value alone, no half interval
    assert count(0) == "0" and percent(0.0) == "0.0%"  # zero is a value, not missing


def test_totals_skip_missing_values_and_stay_missing_when_all_are():
    assert total([1, None, 2]) == 3
    assert total([None, NAN]) is None and count(total([None])) == MISSING
    assert total([]) is None


def test_is_missing_is_the_one_rule():
    assert formatting.is_missing(None) and formatting.is_missing(math.nan)
    assert not formatting.is_missing(0) and not formatting.is_missing("") and not formatting.is_missing(0.0)
