"""The gate: a pure state machine (events in, commands out) and the runner that wires it to devices."""
