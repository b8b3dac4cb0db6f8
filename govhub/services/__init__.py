"""The domain: plain Python over a database session, no Reflex."""
