"""Helpers of the model modules: position tables and embeddings at sizes
other than the trained ones, and whether a forward is recorded as a graph."""
