"""interventions feature of the interventions service."""
