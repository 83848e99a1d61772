"""consommation feature of the inventory service."""
