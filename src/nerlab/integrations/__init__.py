"""Adapters that run nerlab inside other engines (Ray Data), each behind an optional extra.

A module here imports its engine only when used, and says which extra installs it when the
engine is missing (``pip install 'nerlab[ray]'``); nothing here is imported by ``nerlab``
itself, so the core install never needs these engines.
"""
