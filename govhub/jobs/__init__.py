"""Background jobs: reminders, the unit heads' morning digest and the e-mail outbox, on one scheduler leader."""
