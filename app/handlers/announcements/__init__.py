"""Announcements: administrators put a message in front of everyone."""
