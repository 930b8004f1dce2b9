"""Errors raised by device drivers."""


class HardwareError(Exception):
    """Root of every error a device driver raises on purpose."""


class DeviceUnavailable(HardwareError, OSError):
    """A device cannot be opened or stopped answering; the message says which and what to check."""


class DriverNotInstalled(HardwareError, ImportError):
    """The chosen driver needs a library that is not installed here (e.g. RPi.GPIO off a Pi)."""
