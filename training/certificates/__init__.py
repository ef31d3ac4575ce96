"""Certificates: earned by attendance, rendered as PDF/A, verifiable, revocable."""
