"""The reporting service's schema name."""

SCHEMA = "reporting"
