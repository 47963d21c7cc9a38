"""Synthetic Video-Games-like Amazon Reviews 2023 category (placeholder docstring, rewritten below)."""
