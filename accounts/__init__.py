"""Accounts: the custom user (email login) and the JWT auth endpoints."""
