"""techniciens feature of the interventions service."""
