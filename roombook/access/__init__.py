"""Who may do what: permissions (no Flask), login wiring, accounts, API tokens, privacy, rate limits, the audit trail."""
