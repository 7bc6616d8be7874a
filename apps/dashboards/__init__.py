"""Dashboards: read-only views over selectors (the portfolio overview); no models of their own."""
