"""Users: accounts, roles, passwords, deactivation."""
