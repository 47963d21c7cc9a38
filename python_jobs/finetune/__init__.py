"""Stage 4 (fine-tuning conversations) is dbt SQL only; this package holds its settings model."""
