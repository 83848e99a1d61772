"""Tokens: login, access tokens, rotating refresh tokens, logout, the current user."""
