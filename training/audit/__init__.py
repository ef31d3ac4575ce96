"""The append-only audit trail every auditable state change writes to."""
