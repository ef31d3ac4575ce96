"""The site shell every page shares: home page, health checks, error pages, navigation, template filters."""
