"""HTTP routes mounted beside Reflex's: sign-in, sign-out, health."""
