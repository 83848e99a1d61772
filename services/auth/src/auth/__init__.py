"""MIF ERP auth service."""
