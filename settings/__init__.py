"""The config file (load, validate, save). The settings dialog comes with its own issue."""

from settings.config import (
    Config,
    Notify,
    Schedule,
    dump,
    find_config,
    load,
    parse,
    save,
    state_path_for,
)

__all__ = ["Config", "Notify", "Schedule", "dump", "find_config", "load", "parse", "save",
           "state_path_for"]
