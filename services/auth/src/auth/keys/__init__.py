"""Signing keys: Ed25519 keys encrypted at rest, rotation, the public JWKS."""
