"""Thin Reflex state classes: who is asking, what was asked; the services decide."""
