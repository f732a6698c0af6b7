"""Telling people: the outbox of mails, sent once each across processes."""
