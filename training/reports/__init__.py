"""Reports for the training office: the yearly BPF figures and CSV exports (queries only, no views)."""
