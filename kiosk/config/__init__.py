"""The kiosk's configuration: one strict, typed TOML file (see kiosk/default.toml)."""

from kiosk.config.loader import config_from_dict, load_config, parse_config
from kiosk.config.schema import KioskConfig

__all__ = ["KioskConfig", "config_from_dict", "load_config", "parse_config"]
