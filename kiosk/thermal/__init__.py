"""Thermal estimation: from infrared sensor readings to a body-temperature estimate and a fever decision."""
