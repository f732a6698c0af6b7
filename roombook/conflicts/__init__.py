"""Conflicts: opening them when something displaces a booking or session, and deciding them."""
