"""Stage 6: generating Semantic IDs (constrained beam search over the code trie; the LLM that speaks them)."""
