"""Helpers every stage shares: paths, settings, device, hashing, text, the model registry and tracking."""
