"""documents feature of the interventions service."""
