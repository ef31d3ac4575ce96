"""Satisfaction surveys at the end of a session (Qualiopi indicator 30)."""
