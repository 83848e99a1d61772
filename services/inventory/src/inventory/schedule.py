"""Periodic tasks of the inventory service, collected by beat (entry point mif.beat)."""

from shared.schedule import schedule

BEAT_SCHEDULE = schedule("inventory", {"inventory.stock.seuil_sweep": 3600})
