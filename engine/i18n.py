"""The language of everything stamsync says to a person: English, the texts as the code
writes them, or Dutch, from the gettext catalog in `engine/locale` (one catalog for the
engine, the settings and the tray, since their messages travel together: an engine error
ends up in the dialog, a notification or the command line).

Texts are marked where they are made:

* `_("Table '{table}' is missing.").format(table=name)`: translated when it is said, with
  named placeholders (never an f-string inside `_()`: the catalog could not match it);
* `ngettext("{n} record", "{n} records", n).format(n=n)` for a count;
* `N_("Sync now")` marks a constant for the catalog without translating it at import time,
  which comes before the language is chosen; it is translated where it is shown: `_(text)`.

Which language: `use(setting)` with the config's `[interface] language` ("auto", "en" or
"nl"); "auto" follows the operating system (Windows: the user's display language; elsewhere
LANGUAGE, LC_ALL, LC_MESSAGES, LANG). Log lines stay in English, for whoever supports the
installation.
"""

from __future__ import annotations

import gettext
import locale
import logging
import os
import sys
from pathlib import Path

DOMAIN = "stamsync"
LOCALES = Path(__file__).with_name("locale")
LANGUAGES = ("en", "nl")
"""The languages stamsync speaks; English is the code's own."""
SETTINGS = ("auto", *LANGUAGES)
"""What `[interface] language` may say."""

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def _(text: str) -> str:
    """`text` in the chosen language."""
    return _translation.gettext(text)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a counted text, in the chosen language."""
    return _translation.ngettext(singular, plural, n)


def N_(text: str) -> str:  # (gettext's own name for it)
    """Marks `text` for the catalog; it is translated where it is shown, with `_()`."""
    return text


def use(setting: str | None = "auto") -> str:
    """Speak the language `setting` names ("auto" or None: the operating system's); the
    language chosen ("en" or "nl"). A language stamsync does not speak is English."""
    global _translation, _language
    wanted = os_language() if setting in (None, "", "auto") else str(setting).lower()
    language = wanted if wanted in LANGUAGES else "en"
    if language == "en":
        _translation = gettext.NullTranslations()
    else:
        try:
            _translation = gettext.translation(DOMAIN, LOCALES, languages=[language])
        except OSError:  # an install without its compiled catalog: English, and say so
            logging.getLogger("stamsync").warning(
                "the %s catalog is missing from %s; stamsync speaks English", language, LOCALES)
            _translation, language = gettext.NullTranslations(), "en"
    _language = language
    return language


def language() -> str:
    """The language in use: "en" or "nl"."""
    return _language


def os_language() -> str:
    """The user's language as the operating system says it: "nl", "en", "de", ..."""
    if sys.platform == "win32":
        return _windows_language()
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            wanted = [_code(part) for part in value.split(":") if part]  # in order of liking
            if not wanted or value.split(":")[0] in ("C", "POSIX") or value.startswith("C."):
                return "en"
            return next((code for code in wanted if code in LANGUAGES), wanted[0])
    return "en"


def _windows_language() -> str:
    """The user's display language on Windows (the one the menus are in)."""
    try:
        import ctypes

        windll = ctypes.windll  # type: ignore[attr-defined]
        return _code(locale.windows_locale.get(windll.kernel32.GetUserDefaultUILanguage(), ""))
    except (AttributeError, OSError):
        return "en"


def _code(name: str) -> str:
    """"nl_NL.UTF-8", "nl-BE", "Dutch" -> "nl"."""
    return name.replace("-", "_").split("_")[0].split(".")[0].lower() or "en"


def number(n: int) -> str:
    """A count with the thousands marked as the language does: 12,500 or 12.500."""
    text = f"{n:,}"
    return text.replace(",", ".") if _language == "nl" else text
