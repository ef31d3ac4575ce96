"""Catalogue: courses, their dated sessions and the half-day slots of each session."""
