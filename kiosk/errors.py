"""The kiosk's error hierarchy: one root, each also a builtin where one fits.

Expected negative outcomes (a forged credential, an unknown face) are values, not exceptions;
these are for broken input files, missing devices and bugs.
"""


class KioskError(Exception):
    """Root of every error the kiosk raises on purpose."""


class ConfigError(KioskError, ValueError):
    """The configuration is invalid; the message names each offending key and what was expected."""

    def __init__(self, problems: list[str], source: str = "config") -> None:
        self.problems = problems
        self.source = source
        super().__init__("\n".join(f"{source}: {problem}" for problem in problems))


class UsageError(KioskError, ValueError):
    """A command-line argument or input file is not what the command expects."""


class CapabilityUnavailable(KioskError):
    """A capability cannot run (a model file missing, say); the gate denies every visit that needs its checks."""


class DataIntegrityError(KioskError):
    """Stored data is damaged or was tampered with: the kiosk refuses to use it until an operator acts."""


class InUseError(KioskError):
    """Another kiosk process holds something this one needs to own alone, such as the database."""
