"""The yearly BPF figures (bilan pédagogique et financier), as a page and as CSV."""

from training.admin.views import bp  # noqa: F401
