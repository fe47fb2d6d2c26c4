"""Figures: every number the app shows, computed from one store state (per area, the city, goals, network)."""
