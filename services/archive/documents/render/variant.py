"""An agency's own variant of a kind's template (模板变体), registered as data:
letterhead, logo, extra sections, renamed sections, and optionally its own Typst
main file for the PDF.

Texts in a variant may name facts as `{placeholder}` (e.g. `{unit.name}`; `{{` and
`}}` for literal braces). They are filled in Python and travel as data like every
other text, so a variant cannot turn a unit's name into markup. A variant's own Typst
file is code written by the agency: it runs in Typst's sandbox (no network, no files
outside its own template root) and is only accepted once it compiles against the
sample facts (`validate_variant`).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field

from contracts.archive.documents import DocumentKind, DocumentMeta, EngagementFacts
from contracts.core import Contract
from services.archive.documents.render import labels as L
from services.archive.documents.render.common import document_period

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
MAX_LOGO_BYTES = 1_000_000


class ExtraSection(Contract):
    """A section the agency adds: a title and a text, both with placeholders."""

    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20000)
    after: str | None = Field(
        default=None, description="Key of the section it follows; at the end when None."
    )


class TemplateVariant(Contract):
    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    name: str = Field(min_length=1, max_length=100)
    kind: DocumentKind
    base_version: int = Field(default=1, ge=1, description="The kind's template it varies.")
    letterhead: str = Field(default="", max_length=200, description="On every page's header.")
    footer: str = Field(default="", max_length=200, description="Above every page's number.")
    logo: bytes | None = Field(default=None, description="PNG or JPEG, at most 1 MB.")
    extra_sections: list[ExtraSection] = Field(default_factory=list, max_length=50)
    section_titles: dict[str, str] = Field(
        default_factory=dict, description="Section key → the title the agency uses."
    )
    typst_main: str | None = Field(
        default=None,
        max_length=200_000,
        description="The agency's own main.typ for the PDF; reads the same data.",
    )


def placeholder_values(facts: EngagementFacts, meta: DocumentMeta) -> dict[str, str]:
    """Every placeholder a variant may use, with its value for these facts."""
    e = facts.engagement
    return {
        "unit.name": facts.unit.name,
        "unit.uscc": facts.unit.uscc,
        "unit.address": facts.unit.address,
        "agency.name": facts.agency.name if facts.agency else "",
        "agency.uscc": facts.agency.uscc if facts.agency else "",
        "engagement.start": L.day_zh(e.period_start),
        "engagement.end": L.day_zh(e.period_end),
        "period": L.period_zh(document_period(facts, meta)),
        "document_number": meta.document_number,
        "date": L.day_zh(meta.generated_at.astimezone(L.CHINA).date()),
    }


KNOWN_PLACEHOLDERS = frozenset(
    [
        "unit.name",
        "unit.uscc",
        "unit.address",
        "agency.name",
        "agency.uscc",
        "engagement.start",
        "engagement.end",
        "period",
        "document_number",
        "date",
    ]
)


def placeholders(text: str) -> list[str]:
    return [m.group(1).strip() for m in PLACEHOLDER.finditer(text) if m.group(1) is not None]


def fill(text: str, values: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(0) in ("{{", "}}"):
            return m.group(0)[0]
        return values[m.group(1).strip()]

    return PLACEHOLDER.sub(one, text)


def variant_texts(variant: TemplateVariant) -> list[tuple[str, str]]:
    """(where, text) of every text that may hold placeholders."""
    out = [("letterhead", variant.letterhead), ("footer", variant.footer)]
    for n, s in enumerate(variant.extra_sections, 1):
        out += [(f"extra_sections[{n}].title", s.title), (f"extra_sections[{n}].body", s.body)]
    out += [(f"section_titles[{k}]", v) for k, v in variant.section_titles.items()]
    return out


def unknown_placeholders(variant: TemplateVariant) -> list[str]:
    return [
        f"未知占位符 {{{name}}}（{where}）/ unknown placeholder {{{name}}} in {where}"
        for where, text in variant_texts(variant)
        for name in placeholders(text)
        if name not in KNOWN_PLACEHOLDERS
    ]


def logo_suffix(logo: bytes) -> str | None:
    if logo.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if logo.startswith(b"\xff\xd8\xff"):
        return "jpg"
    return None


_roots: dict[str, Path] = {}
_roots_lock = threading.Lock()
_base_dir: Path | None = None


def template_root(
    variant: TemplateVariant, templates: Path, main_of: Callable[[Path], Path]
) -> tuple[Path, Path, str]:
    """A template root for the variant: the house library, the variant's main file (or
    the base version's) and its logo, in a directory of its own, made once per process.
    Returns (root, main file, logo path inside the root or "")."""
    global _base_dir
    digest = hashlib.sha256()
    for part in (variant.kind.value, str(variant.base_version), variant.typst_main or ""):
        digest.update(part.encode() + b"\0")
    digest.update(variant.logo or b"")
    key = digest.hexdigest()
    suffix = logo_suffix(variant.logo) if variant.logo else None
    logo_path = f"/assets/logo.{suffix}" if suffix else ""
    with _roots_lock:
        if _base_dir is None:
            _base_dir = Path(tempfile.mkdtemp(prefix="ecohost-templates-"))
        root = _roots.get(key)
        if root is None:
            root = _base_dir / key
            shutil.copytree(templates / "_lib", root / "_lib", dirs_exist_ok=True)
            main = main_of(root)
            main.parent.mkdir(parents=True, exist_ok=True)
            base = main_of(templates)
            main.write_text(variant.typst_main or base.read_text(encoding="utf-8"), "utf-8")
            if suffix and variant.logo:
                (root / "assets").mkdir(exist_ok=True)
                (root / "assets" / f"logo.{suffix}").write_bytes(variant.logo)
            _roots[key] = root
    return root, main_of(root), logo_path


# The pipeline stores an agency's variant as {"letterhead", "footer", "extra_sections":
# [{"heading", "body"}]} with `{{ name }}` placeholders (services/archive/documents/
# rendering.py); these are its names here.
DEFINITION_PLACEHOLDERS = {
    "unit_name": "unit.name",
    "agency_name": "agency.name",
    "document_number": "document_number",
    "period": "period",
}
_DEFINITION_PLACEHOLDER = re.compile(r"{{\s*(\w+)\s*}}")


def _from_definition_text(text: str) -> str:
    """`{{ unit_name }}` → `{unit.name}`; every other brace kept literal. A name that is
    not a placeholder stays as typed (the pipeline refuses such variants before storing)."""
    out, pos = [], 0
    for m in _DEFINITION_PLACEHOLDER.finditer(text):
        out.append(text[pos : m.start()].replace("{", "{{").replace("}", "}}"))
        name = DEFINITION_PLACEHOLDERS.get(m.group(1))
        out.append("{" + name + "}" if name else m.group(0).replace("{", "{{").replace("}", "}}"))
        pos = m.end()
    out.append(text[pos:].replace("{", "{{").replace("}", "}}"))
    return "".join(out)


def variant_from_definition(
    kind: DocumentKind, name: str, version: int, definition: Mapping[str, Any]
) -> TemplateVariant:
    """The variant a stored definition describes, applied to the kind's current template."""
    sections = definition.get("extra_sections") or []
    assert isinstance(sections, list)
    return TemplateVariant(
        name=f"{name} v{version}",
        kind=kind,
        letterhead=_from_definition_text(str(definition.get("letterhead") or "")),
        footer=_from_definition_text(str(definition.get("footer") or "")),
        extra_sections=[
            ExtraSection(
                title=_from_definition_text(str(s["heading"])),
                body=_from_definition_text(str(s.get("body") or "")) or "—",
            )
            for s in sections
        ],
    )
