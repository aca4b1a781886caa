"""PDF through Typst: the kind's template (versioned data under templates/) reads the
document model as JSON from `sys.inputs`, so no user text is ever spliced into source.

A compiler is kept per template root and main file: Typst memoises parsing, layout of
unchanged parts and font loading across compilations, which makes warm renders cheap.
Typst can only read files under the root, so a variant's template reaches nothing but
its own files.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import typst

from services.archive.documents.render.fonts import typst_fonts
from services.archive.documents.render.model import Document

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


class TemplateError(Exception):
    """A template did not compile; `message` is Typst's own diagnostic."""


@dataclass
class _Compiler:
    compiler: typst.Compiler
    lock: threading.Lock = field(default_factory=threading.Lock)


_compilers: dict[tuple[str, str], _Compiler] = {}
_compilers_lock = threading.Lock()


def _compiler(root: Path, main: Path) -> _Compiler:
    key = (str(root), str(main))
    with _compilers_lock:
        found = _compilers.get(key)
        if found is None:
            found = _Compiler(
                typst.Compiler(
                    input=str(main),
                    root=str(root),
                    font_paths=typst_fonts(),
                    ignore_system_fonts=True,
                )
            )
            _compilers[key] = found
        return found


def forget(root: Path) -> None:
    """Drop the compilers of a template root that is going away (a variant's temp dir)."""
    with _compilers_lock:
        for key in [k for k in _compilers if k[0] == str(root)]:
            del _compilers[key]


def page_count(pdf: bytes) -> int:
    return len(_PAGE.findall(pdf))


def compile_pdf(document: Document, main: Path, root: Path = TEMPLATES) -> bytes:
    data = json.dumps(document.model_dump(mode="json"), ensure_ascii=False)
    c = _compiler(root, main)
    with c.lock:
        try:
            out = c.compiler.compile(format="pdf", sys_inputs={"data": data})
        except typst.TypstError as e:
            raise TemplateError(f"{e.message}\n{e.diagnostic}") from e
    assert isinstance(out, bytes)
    return out
