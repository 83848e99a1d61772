"""MIF ERP interventions service."""
