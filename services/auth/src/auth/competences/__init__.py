"""Competences: the catalogue, and which technician holds which at what level."""
