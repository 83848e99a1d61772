"""pieces feature of the inventory service."""
