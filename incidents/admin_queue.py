"""Admin for incidents: the engineers' queue."""
