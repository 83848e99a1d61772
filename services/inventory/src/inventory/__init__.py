"""MIF ERP inventory service."""
