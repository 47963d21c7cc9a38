"""Stage 5: sequential recommenders (SASRec over item IDs and over Semantic IDs) and their evaluation."""
