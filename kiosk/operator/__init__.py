"""The operator page: local accounts, sessions with CSRF tokens, the gate's status and people, and a JSON API."""
