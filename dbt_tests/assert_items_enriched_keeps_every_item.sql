-- Enrichment never loses an item (the seed's inner joins dropped the ones whose cleaning had failed).
{{ config(tags=['stage_02']) }}
select parent_asin from {{ ref('items') }}
except
select parent_asin from {{ ref('items_enriched') }}
