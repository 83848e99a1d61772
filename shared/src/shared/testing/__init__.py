"""Test support: infrastructure, migrated databases, rolled-back sessions, tokens, clients."""
