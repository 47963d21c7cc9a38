"""Stage 6's text rules: which generated IDs count as IDs, and the ID-recall / ID -> title scores."""

from __future__ import annotations

from python_jobs.llm.evaluate import leading_matches, normalise, token_f1
from python_jobs.llm.generate import rec_prompt
from python_jobs.llm.vocab import format_sid, parse_sids, sid_tokens

K = 256


def test_parse_sids_keeps_only_complete_ids_with_each_code_at_its_position():
    good = format_sid((12, 44, 88, 0), K)
    assert good == "<|sid_start|><|sid_12|><|sid_300|><|sid_600|><|sid_768|><|sid_end|>"
    short = "<|sid_start|><|sid_12|><|sid_300|><|sid_end|>"
    swapped = "<|sid_start|><|sid_300|><|sid_12|><|sid_600|><|sid_768|><|sid_end|>"  # codes at the wrong positions
    with_text = "<|sid_start|><|sid_12|> x<|sid_300|><|sid_600|><|sid_768|><|sid_end|>"
    text = f"try {good}, {short}, {swapped}, {with_text} and {format_sid((1, 2, 3, 4), K)}"
    assert parse_sids(text, 4, K) == [(12, 44, 88, 0), (1, 2, 3, 4)]


def test_the_vocabulary_is_start_end_rec_then_every_position_code():
    tokens = sid_tokens(4, K)
    assert tokens[:3] == ["<|sid_start|>", "<|sid_end|>", "<|rec|>"] and len(tokens) == 3 + 4 * K
    assert tokens[3] == "<|sid_0|>" and tokens[-1] == "<|sid_1023|>"


def test_rec_prompt_shows_the_most_recent_history_then_rec():
    ids = [format_sid((i, 0, 0, 0), K) for i in range(5)]
    assert rec_prompt(ids, ", ", 2) == f"User: {ids[3]}, {ids[4]}\n<|rec|>"


def test_recall_and_title_scores():
    assert leading_matches((1, 2, 3, 0), (1, 2, 9, 0)) == 2  # level 3 wrong: the full ID is wrong too
    assert leading_matches((5, 2, 3, 0), (1, 2, 3, 0)) == 0
    assert normalise("  The Frontier-of WYNORA (GBA)! ") == "the frontier of wynora gba"
    assert token_f1("Frontier of Wynora", "The Frontier of Wynora") == 2 * 1.0 * 0.75 / 1.75
    assert token_f1("", "anything") == 0.0 and token_f1("a b", "a b") == 1.0
