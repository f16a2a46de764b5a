"""The config file (load, validate, save) and, in `settings.dialog`, the settings dialog."""

from settings.config import (
    Config,
    Notify,
    Schedule,
    dump,
    find_config,
    language_setting,
    load,
    parse,
    save,
    state_path_for,
)

__all__ = ["Config", "Notify", "Schedule", "dump", "find_config", "language_setting", "load",
           "parse", "save", "state_path_for"]
