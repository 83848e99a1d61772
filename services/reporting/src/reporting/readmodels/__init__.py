"""Read models: the reporting schema's copy of other services' data, fed by their events."""
