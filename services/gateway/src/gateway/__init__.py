"""MIF ERP gateway service."""
