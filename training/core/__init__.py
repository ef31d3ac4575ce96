"""Pages that belong to no single feature: home, error pages, health check."""
