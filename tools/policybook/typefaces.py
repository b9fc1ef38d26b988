"""The typefaces every PDF policybook typesets may use, beyond its own main face: the Noto faces for the
scripts a library may hold (an interpreter's greeting in Arabic in a policy, a translated leaflet), taken
from the system's Noto folders only, so that a PDF does not change with whatever else is installed.

Typst picks, glyph by glyph, the first face in a list that has the glyph; a glyph none of them has is an
error under PDF/UA (it could not be read aloud or copied), reported by ``missing_glyph`` in words."""

from __future__ import annotations

import re
from pathlib import Path

# Debian's fonts-noto-core (and fonts-noto-cjk for Chinese, Japanese and Korean); other systems put
# them in one of these folders too.
_NOTO_FOLDERS = ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype/noto",
                 "/usr/local/share/fonts/noto", "/usr/share/fonts/noto", "/usr/share/fonts/google-noto")
FALLBACK_FAMILIES = ("DejaVu Sans", "Noto Sans", "Noto Sans Arabic", "Noto Naskh Arabic", "Noto Sans Bengali",
                     "Noto Sans Gurmukhi", "Noto Sans Devanagari", "Noto Sans Gujarati", "Noto Sans Tamil",
                     "Noto Sans Hebrew", "Noto Sans Thai", "Noto Sans Ethiopic", "Noto Sans Sinhala",
                     "Noto Sans Symbols", "Noto Sans Symbols 2", "Noto Sans CJK SC")
_MISSING = re.compile(r"the text `\"(.+?)\"` could not be displayed with font")


def font_folders(own: Path) -> list[str]:
    """The folders a Typst compiler reads faces from: policybook's own, then the system's Noto folders."""
    return [str(own), *(folder for folder in _NOTO_FOLDERS if Path(folder).is_dir())]


def missing_glyph(message: str) -> str | None:
    """For a Typst error about a character no face has, what to do about it, in words; otherwise None."""
    found = _MISSING.search(message)
    if found is None:
        return None
    return (f"the character '{found.group(1)}' is in a script none of the installed typefaces covers: install "
            "the Noto fonts (Debian and Ubuntu: apt-get install fonts-noto-core, and fonts-noto-cjk for Chinese, "
            "Japanese and Korean)")
