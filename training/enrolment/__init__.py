"""Enrolment: seats, the waitlist, approvals and convocations."""
