"""historique feature of the interventions service."""
