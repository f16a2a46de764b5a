"""The user's language for everything a person reads: English, or Dutch. Texts are marked
with `_()`; the catalogs come with their own change (until then every text is English)."""

from __future__ import annotations

import gettext

_translation: gettext.NullTranslations = gettext.NullTranslations()


def _(text: str) -> str:
    """`text` in the user's language."""
    return _translation.gettext(text)
