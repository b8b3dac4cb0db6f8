"""Who is asking: passwords, lock-out and server-side sessions (``auth``), accounts (``accounts``), single sign-on
account linking (``sso``), the signed-in official's own card (``me``)."""
