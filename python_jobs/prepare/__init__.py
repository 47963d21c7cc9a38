"""Stage 1 (items and sequences) is dbt SQL only; this package holds its settings model."""
