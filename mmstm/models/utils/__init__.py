"""Helpers of the model modules: position tables and embeddings at other
sizes, and the released official checkpoints' key layout."""
