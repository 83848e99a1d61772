"""Statistics: the seed's materialized views and the maintenance KPIs."""
