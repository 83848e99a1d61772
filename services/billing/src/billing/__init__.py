"""MIF ERP billing service."""
