"""What every domain uses: the clock, errors, the audit trail, text folding, dialect helpers, file storage,
notification rows and the e-mail outbox."""
