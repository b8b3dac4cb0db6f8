"""The domain: plain Python over a database session, no Reflex. One package per domain (``org``, ``identity``,
``tasks``, ``oversight``, ``documents``, ``messaging``) above ``core``, which every domain uses. In each domain,
objects are fetched for an official through ``access_*`` helpers (one "not found or not allowed" error) and changed
through ``do_*`` functions (validate, write in the caller's transaction, audit, notify); read models are small
dataclasses. The layering is checked by tests/test_layering.py."""
