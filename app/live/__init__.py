"""Live updates: one LISTEN connection per process, fanned out in memory to the
event streams open in that process (see docs/live-updates.md)."""
