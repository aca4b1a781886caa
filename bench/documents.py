"""Benchmark: the year's results report as PDF, Typst (ours) against WeasyPrint.

The engagement of tests/archive/documents/factory.py `year_facts()`: 12 monthly stage
reports, 200 inspections and 150 rectifications over 2025. Both renderers typeset the
same document model (services/archive/documents/render/model.py) with the same font
(Noto Sans SC from justmytype-intl-cjk), embedded and subset: Typst through the
kind's template, WeasyPrint from HTML written here with the same cover, headings,
tables whose header repeats (thead) and page numbers.

Each renderer runs in a child process of its own so that its CPU time and peak RSS
are its own: "cold" is the first render in a fresh process (loading the font
included), "warm" the median of the following renders in that process.

    .venv/bin/python -m bench.documents [--repeat 5] [--weasy-repeat 2]

WeasyPrint is the optional `bench` extra (`pip install -e '.[bench]'`) and needs
Pango: `apt-get update && apt-get install -y libpango-1.0-0 libpangoft2-1.0-0`.
"""

from __future__ import annotations

import argparse
import html
import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from bench.common import machine_facts, markdown_table
from contracts.archive.documents import DocumentFormat, DocumentKind
from services.archive.documents.render.fonts import font_dir
from services.archive.documents.render.model import Cell, Document, Table

KIND = DocumentKind.RESULTS_REPORT


def _cell(c: str | Cell) -> str:
    if isinstance(c, str):
        return f"<td>{html.escape(c)}</td>"
    text = f"<b>{html.escape(c.text)}</b>" if c.strong else html.escape(c.text)
    return f'<td rowspan="{c.rowspan}" colspan="{c.colspan}">{text}</td>'


def _table(t: Table) -> str:
    total = sum(t.widths)
    cols = "".join(f'<col style="width:{w * 100 / total:.2f}%">' for w in t.widths)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in t.headers)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in t.rows)
    return (
        f"<table><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def to_html(doc: Document) -> str:
    """The document model as HTML for WeasyPrint: the same content and layout rules."""
    font = next(font_dir().glob("*.ttf")).as_uri()
    c = doc.cover
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><style>",
        f"@font-face {{ font-family: 'Noto Sans SC'; src: url('{font}'); }}",
        "@page { size: A4; margin: 2.4cm 2cm 2.2cm;"
        " @bottom-center { content: '第 ' counter(page) ' 页 / 共 ' counter(pages) ' 页';"
        " font-size: 9pt; } }",
        "@page :first { @bottom-center { content: none; } }",
        "body { font-family: 'Noto Sans SC'; font-size: 10.5pt; line-height: 1.6; }",
        "p { text-indent: 2em; text-align: justify; margin: 0.3em 0; }",
        "h1 { color: #1f4e79; font-size: 14pt; } h2 { color: #1f4e79; font-size: 12pt; }",
        "table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 0.5em 0; }",
        "td, th { border: 0.5pt solid #787878; padding: 3pt 4pt; vertical-align: middle; }",
        "th { background: #e6e6e6; } .cover { page-break-after: always; text-align: center; }",
        ".pending { color: #b00020; border-left: 2pt solid #b00020; background: #fff4f4;"
        " padding: 6pt; }",
        "</style></head><body>",
        f"<div class='cover'><h1 style='margin-top:30%;font-size:24pt'>{html.escape(c.title)}</h1>",
        "<table style='width:70%;margin:40% auto 0;font-size:12pt'>",
    ]
    for label, value in (
        ("排污单位", c.unit),
        ("服务单位", c.agency),
        ("报告期间", c.period),
        ("文件编号", c.document_number),
        ("编制日期", c.date),
    ):
        parts.append(f"<tr><th>{label}</th><td>{html.escape(value)}</td></tr>")
    parts.append("</table></div>")
    for n, s in enumerate(doc.sections, 1):
        parts.append(f"<h{s.level}>{n} {html.escape(s.title)}</h{s.level}>")
        for b in s.blocks:
            if b.type == "paragraph":
                parts.append(f"<p>{html.escape(b.text)}</p>")
            elif b.type == "pending":
                parts.append(f"<div class='pending'>{html.escape(b.text)}</div>")
            elif b.type == "fields":
                rows = "".join(
                    f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                    for k, v in b.pairs
                )
                parts.append(f"<table>{rows}</table>")
            elif b.type == "bullets":
                parts.append(
                    "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in b.items) + "</ul>"
                )
            elif b.type == "table":
                parts.append(_table(b))
    parts.append("</body></html>")
    return "".join(parts)


def worker(engine: str, repeat: int) -> None:
    """One renderer in this process: print its figures as JSON."""
    from services.archive.documents.render import build_document, render_document
    from tests.archive.documents.factory import meta, year_facts

    facts, m = year_facts(), meta()
    cpu, pages = [], 0
    for _ in range(repeat):
        start = time.process_time()
        if engine == "typst":
            rendered = render_document(KIND, DocumentFormat.PDF, facts, m)
            pdf, pages = rendered.content, rendered.page_count or 0
        else:
            import weasyprint

            doc = weasyprint.HTML(string=to_html(build_document(KIND, facts, m))).render()
            pdf, pages = doc.write_pdf(), len(doc.pages)
        cpu.append(time.process_time() - start)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cpu": cpu, "pages": pages, "bytes": len(pdf), "peak_mib": peak_mib}))


@dataclass(frozen=True)
class Run:
    cpu: list[float]  # CPU seconds per render, the first one cold
    pages: int
    bytes: int
    peak_mib: float

    @property
    def warm(self) -> float:
        return statistics.median(self.cpu[1:]) if len(self.cpu) > 1 else self.cpu[0]


def measure(engine: str, repeat: int) -> Run:
    out = subprocess.run(
        [sys.executable, "-m", "bench.documents", "--worker", engine, "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        if engine == "weasyprint":
            sys.exit(
                "WeasyPrint did not run. Install the bench extra and Pango:\n"
                "  .venv/bin/pip install -e '.[bench]'\n"
                "  apt-get update && apt-get install -y libpango-1.0-0 libpangoft2-1.0-0\n"
                + out.stderr[-2000:]
            )
        sys.exit(out.stderr)
    return Run(**json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--repeat", type=int, default=5, help="Typst renders (first one cold)")
    p.add_argument("--weasy-repeat", type=int, default=2, help="WeasyPrint renders")
    p.add_argument("--worker", choices=("typst", "weasyprint"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args.worker, args.repeat)
        return
    typst_run = measure("typst", args.repeat)
    weasy_run = measure("weasyprint", args.weasy_repeat)
    rows = [
        [
            engine,
            r.pages,
            f"{r.cpu[0]:.3f}",
            f"{r.warm:.3f}",
            f"{r.pages / r.warm:.0f}",
            f"{r.bytes / 1024:.0f}",
            f"{r.peak_mib:.0f}",
        ]
        for engine, r in (("typst", typst_run), ("weasyprint", weasy_run))
    ]
    print(f"\n### Year's results report as PDF ({machine_facts()})\n")
    print(
        markdown_table(
            [
                "renderer",
                "pages",
                "CPU s cold",
                "CPU s warm",
                "pages/s warm",
                "KiB",
                "peak RSS MiB",
            ],
            rows,
        )
    )
    print(
        f"\nTypst is {weasy_run.cpu[0] / typst_run.cpu[0]:.0f}× WeasyPrint cold and "
        f"{weasy_run.warm / typst_run.warm:.0f}× warm (CPU seconds of one render, same "
        "content, same font, same run)."
    )


if __name__ == "__main__":
    main()
