"""Accounts: users, roles, sign-up and sign-in, password reset, API tokens."""
