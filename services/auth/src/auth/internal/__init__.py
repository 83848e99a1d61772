"""internal feature of the auth service: reads for other services' replicas."""
