"""Gatekeeper kiosk: the application (gate loop and policy, credentials, vision, thermal, storage, CLI)."""
