"""equipements feature of the interventions service."""
