"""Python side of the Semantic ID pipeline: sample generation, download, enrichment, embeddings, RQ-VAE.

Modules import their heavy dependencies (torch, google-genai, sentence-transformers) lazily so that the
CLI's ``--help`` and the dbt plugin stay fast.
"""
