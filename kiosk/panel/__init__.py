"""Reporting the gate's grants to a building's access-control panel as card reads (OSDP or Wiegand)."""
