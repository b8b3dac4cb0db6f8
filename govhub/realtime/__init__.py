"""Push to open browsers (registry of tabs per official, Reflex's modify_state, Redis across workers)."""
