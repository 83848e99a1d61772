"""inbox: the notifications themselves, the rules that make them, the list and read API."""
