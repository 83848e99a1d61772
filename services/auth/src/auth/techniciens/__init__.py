"""Technicians: the technicien profile of a user, its availability and competences."""
