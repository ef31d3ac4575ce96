"""The training office's back office."""
