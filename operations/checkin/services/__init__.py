"""Check-in services: the only code that changes check-in state (lists, scans, undo)."""
