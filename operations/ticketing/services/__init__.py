"""Ticketing services: the only code that changes ticketing state (one module per concept)."""
