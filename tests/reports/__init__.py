"""Tests of the reports: the yearly BPF figures and the CSV exports."""
