"""Locate: which township-level unit and park a record belongs to (code, name, park, point, address)."""
