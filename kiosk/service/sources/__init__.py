"""Check sources: each wires one capability to the gate, turning what it observes into check outcomes."""
