"""MIF ERP notifications service."""
