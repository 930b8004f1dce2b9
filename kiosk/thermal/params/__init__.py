"""Fitted core-model parameters, one JSON file per site, written by `kiosk thermal fit`."""
