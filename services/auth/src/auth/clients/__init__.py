"""Clients: the client-company profile of a user."""
