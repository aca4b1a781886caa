"""The fonts the PDFs embed: Noto Sans SC (SIL OFL 1.1) from the `justmytype-intl-cjk`
package the project installs, so rendering needs nothing from the machine.

The font is variable (wght 100–900). Typst instantiates the weight a text asks for
when it embeds the subset, so regular and bold text come out in their own weights
(tests/archive/documents check the ink); the embedded font keeps the variable font's
default PostScript name, `NotoSansSC-Thin`, whatever weight it holds.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import justmytype_intl_cjk
import typst

FAMILY = "Noto Sans SC"


def font_dir() -> Path:
    return Path(justmytype_intl_cjk.__file__).parent / "fonts" / "ofl" / "notosanssc"


@cache
def typst_fonts() -> typst.Fonts:
    """Loaded once per process: scanning the 17 MB font is most of a cold render."""
    return typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=True, font_paths=[str(font_dir())]
    )
