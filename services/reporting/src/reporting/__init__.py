"""MIF ERP reporting service."""
