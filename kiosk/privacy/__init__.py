"""Privacy by design: what the kiosk keeps, why, for how long and where it goes, reported from the live system."""
