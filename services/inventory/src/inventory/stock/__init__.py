"""stock feature of the inventory service."""
