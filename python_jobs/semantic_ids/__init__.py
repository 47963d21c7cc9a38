"""Stage 3: item embeddings, quantizers (RQ-VAE, RQ-KMeans), Semantic IDs and their quality."""
