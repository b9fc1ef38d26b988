"""Files a new library needs that ship with the tool: the house style and the standards register.

They live once in this repository (the example library's `.vale.ini`, `styles/` and
`registers/standards.yml`). A wheel carries copies under ``policybook/data`` (see pyproject.toml);
a source checkout (editable install) reads them where they are. There is no second copy to drift.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGED = Path(__file__).parent / "data"
_SOURCE = Path(__file__).resolve().parents[2]

STARTER = Path(__file__).parent / "starter"  # the templates `policybook init` fills in


def _packaged_or_source(packaged: str, source: str) -> Path:
    candidate = _PACKAGED / packaged
    return candidate if candidate.exists() else _SOURCE / source


def house_style_ini() -> Path:
    """The packaged `.vale.ini` (its StylesPath is the packaged styles folder beside it)."""
    return _packaged_or_source("house-style.ini", ".vale.ini")


def house_styles() -> Path:
    """The packaged Vale styles folder: the Policybook style, its vocabulary and examples."""
    return _packaged_or_source("styles", "styles")


def standards_register() -> Path:
    """HSCA 2014 regulations and CQC quality statements, as a standards register."""
    return _packaged_or_source("standards.yml", "registers/standards.yml")
