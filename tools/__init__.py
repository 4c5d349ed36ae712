"""Development tools run by dev.py (standard library only)."""
