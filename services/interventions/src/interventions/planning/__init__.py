"""planning feature of the interventions service."""
