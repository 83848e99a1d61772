"""annuaire: the local directory of users, technicians, clients, equipment and interventions."""
