"""What people read, laid out: the handout (handout.py) and the report (report.py) as a PDF
(reportlab) or a self-contained HTML page, written whole and atomically (export.atomic_file: an
interrupted or failed write leaves the old file as it was, and nothing beside it).

reportlab, not fpdf2 or WeasyPrint (measured side by side, docs/paper.md): one library for the
pages and the chart, which it draws as vectors into the PDF and as SVG for the HTML page; its
Platypus layout keeps an exercise on one page (KeepTogether); it was the fastest of the three for
a year of history and the smallest to install after fpdf2, and WeasyPrint needs Pango. The text is
set in DejaVu Sans (Debian's fonts-dejavu-core, which setup.sh installs) so that German, Spanish
and French print with every accent and typographic quote; without it, Helvetica (Latin-1)."""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from voicecoach.errors import VoicecoachError

FONT_FOLDERS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF",
                "/usr/local/share/fonts", os.path.expanduser("~/.local/share/fonts"))
HANDOUT_FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html"}


class PaperError(VoicecoachError):
    """A document could not be written (the file's place, or an unknown kind of file)."""


_fonts: tuple[str, str] | None = None


def fonts() -> tuple[str, str]:
    """The regular and bold font names to set text in: DejaVu Sans when its files are found (every
    accent of the four languages, typographic quotes, the en dash), else Helvetica."""
    global _fonts
    if _fonts is None:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        _fonts = ("Helvetica", "Helvetica-Bold")
        for folder in FONT_FOLDERS:
            regular, bold = Path(folder) / "DejaVuSans.ttf", Path(folder) / "DejaVuSans-Bold.ttf"
            if regular.is_file() and bold.is_file():
                try:
                    pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
                    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
                except Exception:  # a damaged font file: the built-in font still prints
                    continue
                _fonts = ("DejaVuSans", "DejaVuSans-Bold")
                break
    return _fonts


def _page_size(name: str):
    from reportlab.lib.pagesizes import A4, LETTER

    return LETTER if name == "letter" else A4


def _escape(text: str) -> str:
    """Text for a reportlab Paragraph (its mini-markup: &, < and > escaped)."""
    return html.escape(text, quote=False)


def write(path: Path, make: Callable[[Path], None]) -> None:
    """Write `path` whole with `make(temporary)`: atomically, as exports are."""
    from voicecoach.export import ExportError, atomic_file

    try:
        with atomic_file(path) as temporary:
            make(temporary)
    except ExportError as error:
        raise PaperError(str(error)) from None


# --- the handout ------------------------------------------------------------------------------------


def _qr_drawing(link: str, size_pt: float):
    """The QR code (segno) as vector squares for the PDF."""
    import segno
    from reportlab.graphics.shapes import Drawing, Rect
    from reportlab.lib import colors

    code = segno.make(link, error="m")
    matrix = [list(row) for row in code.matrix]
    border = 4
    count = len(matrix) + 2 * border
    module = size_pt / count
    drawing = Drawing(size_pt, size_pt)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                drawing.add(Rect((x + border) * module, size_pt - (y + border + 1) * module, module, module,
                                 fillColor=colors.black, strokeColor=None, strokeWidth=0))
    return drawing


def handout_pdf(document: Any, path: Path, paper: str = "a4") -> None:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = fonts()
    title = ParagraphStyle("title", fontName=bold, fontSize=28, leading=34, spaceAfter=8)
    heading = ParagraphStyle("heading", fontName=bold, fontSize=22, leading=27, spaceBefore=4, spaceAfter=4)
    small_heading = ParagraphStyle("small", fontName=regular, fontSize=14, leading=18, textColor=colors.HexColor("#444444"))
    label = ParagraphStyle("label", fontName=bold, fontSize=17, leading=22, spaceBefore=6, spaceAfter=2)
    body = ParagraphStyle("body", fontName=regular, fontSize=17, leading=23, spaceAfter=3)
    item = ParagraphStyle("item", parent=body, leftIndent=18, bulletIndent=2)

    def bullets(lines):
        return [Paragraph(_escape(line), item, bulletText="•") for line in lines]

    story: list[Any] = [Paragraph(_escape(document.title), title)]
    story += [Paragraph(_escape(line), body) for line in document.intro]
    if document.safety:
        story.append(KeepTogether([Paragraph(_escape(document.safety_heading), heading), *bullets(document.safety)]))
    for sheet in document.sheets:
        block: list[Any] = [Spacer(1, 6 * mm), Paragraph(_escape(sheet.heading), small_heading),
                            Paragraph(_escape(sheet.name), heading)]
        for name, lines in ((document.labels["position"], sheet.position), (document.labels["steps"], sheet.steps),
                            (document.labels["each_rep"], sheet.each_rep)):
            if lines:
                block += [Paragraph(_escape(name), label), *bullets(lines)]
        rows = [[Paragraph(_escape(fact.label), body), Paragraph(_escape(fact.value), body)] for fact in sheet.facts]
        table = Table(rows, colWidths=[95 * mm, None], hAlign="LEFT")
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.HexColor("#999999"))]))
        block += [Spacer(1, 2 * mm), table]
        if sheet.reminder:
            block += [Paragraph(_escape(document.labels["reminder"]), label), Paragraph(_escape(sheet.reminder), body)]
        if sheet.waits:
            block.append(Paragraph(_escape(sheet.waits), body))
        story.append(KeepTogether(block))
    code = Table([[_qr_drawing(document.link, 40 * mm),
                   [Paragraph(_escape(document.link_caption), body),
                    Paragraph(_escape(document.link), ParagraphStyle("link", parent=body, fontName=bold))]]],
                 colWidths=[46 * mm, None], hAlign="LEFT")
    code.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [Spacer(1, 8 * mm), KeepTogether([code])]

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(regular, 11)
        canvas.drawCentredString(doc.pagesize[0] / 2, 10 * mm, f"{document.title} · "
                                 + document.page_label.format(page=doc.page))
        canvas.restoreState()

    SimpleDocTemplate(str(path), pagesize=_page_size(paper), leftMargin=20 * mm, rightMargin=20 * mm,
                      topMargin=18 * mm, bottomMargin=20 * mm, title=document.title, author="voicecoach",
                      lang=document.language).build(story, onFirstPage=footer, onLaterPages=footer)


_HANDOUT_CSS = """
body { font-family: "DejaVu Sans", Verdana, sans-serif; font-size: 1.35rem; line-height: 1.45; max-width: 46rem;
       margin: 1.5rem auto; padding: 0 1rem; color: #111; }
h1 { font-size: 2.1rem; line-height: 1.2; } h2 { font-size: 1.7rem; margin: 0.2rem 0 0.5rem; }
h3 { font-size: 1.35rem; margin: 0.8rem 0 0.2rem; } .of { color: #444; font-size: 1.05rem; margin: 0; }
section.exercise { break-inside: avoid; page-break-inside: avoid; border-top: 2px solid #999; padding-top: 0.6rem;
                   margin-top: 1.4rem; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1.2rem; }
dt { font-weight: bold; } dd { margin: 0; }
.code { display: flex; gap: 1.2rem; align-items: center; break-inside: avoid; margin-top: 2rem; }
.code svg { width: 10rem; height: 10rem; flex: none; } code { font-size: 1.2rem; font-weight: bold; }
"""


def _qr_svg(link: str) -> str:
    import segno

    return segno.make(link, error="m").svg_inline(scale=4, border=4, title=link)


def handout_html(document: Any) -> str:
    e = html.escape
    parts = [f'<!DOCTYPE html>\n<html lang="{e(document.language)}">\n<head>\n<meta charset="utf-8">\n'
             f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{e(document.title)}</title>\n'
             f"<style>{_HANDOUT_CSS}</style>\n</head>\n<body>\n<h1>{e(document.title)}</h1>\n"]
    parts += [f"<p>{e(line)}</p>\n" for line in document.intro]
    if document.safety:
        parts.append(f'<section class="safety"><h2>{e(document.safety_heading)}</h2>\n<ul>\n'
                     + "".join(f"<li>{e(line)}</li>\n" for line in document.safety) + "</ul></section>\n")
    for sheet in document.sheets:
        parts.append(f'<section class="exercise">\n<p class="of">{e(sheet.heading)}</p>\n<h2>{e(sheet.name)}</h2>\n')
        for name, lines in ((document.labels["position"], sheet.position), (document.labels["steps"], sheet.steps),
                            (document.labels["each_rep"], sheet.each_rep)):
            if lines:
                parts.append(f"<h3>{e(name)}</h3>\n<ul>\n" + "".join(f"<li>{e(line)}</li>\n" for line in lines) + "</ul>\n")
        parts.append("<dl>\n" + "".join(f"<dt>{e(fact.label)}</dt><dd>{e(fact.value)}</dd>\n" for fact in sheet.facts)
                     + "</dl>\n")
        if sheet.reminder:
            parts.append(f"<h3>{e(document.labels['reminder'])}</h3>\n<p>{e(sheet.reminder)}</p>\n")
        if sheet.waits:
            parts.append(f"<p>{e(sheet.waits)}</p>\n")
        parts.append("</section>\n")
    parts.append(f'<div class="code">{_qr_svg(document.link)}<div><p>{e(document.link_caption)}</p>'
                 f"<p><code>{e(document.link)}</code></p></div></div>\n</body>\n</html>\n")
    return "".join(parts)


def write_handout(document: Any, path: Path, kind: str, paper: str = "a4") -> None:
    """Write the handout as `kind` (pdf or html: the CLI has checked the file's extension)."""
    if kind == "pdf":
        write(path, lambda temporary: handout_pdf(document, temporary, paper))
    else:
        write(path, lambda temporary: temporary.write_text(handout_html(document), encoding="utf-8"))


# --- the report -------------------------------------------------------------------------------------

BEFORE_COLOUR, AFTER_COLOUR = "#b03a2e", "#1f5f99"  # told apart by shape too: circles before, squares after


def pain_chart(report: Any, width_pt: float = 480, height_pt: float = 200):
    """Pain before and after each rated session over time (a reportlab Drawing: vectors in the PDF,
    SVG in the HTML page); None when no session in the report has a rating."""
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.graphics.widgets.markers import makeMarker
    from reportlab.lib import colors

    rated = report.rated
    if not rated:
        return None
    regular, _ = fonts()
    zone = report.made.tzinfo

    def x(entry) -> float:
        moment = entry.started.astimezone(zone)
        return moment.toordinal() + (moment.hour * 60 + moment.minute) / 1440

    series = [[(x(e), e.pain_before) for e in rated if e.pain_before is not None],
              [(x(e), e.pain_after) for e in rated if e.pain_after is not None]]
    kept = [points for points in series if points]
    drawing = Drawing(width_pt, height_pt)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 34, 34, width_pt - 48, height_pt - 60
    plot.data = kept
    low = min(point[0] for points in kept for point in points)
    high = max(point[0] for points in kept for point in points)
    if high - low < 6:
        low, high = low - 3, high + 3
    margin = (high - low) * 0.02  # the first and last points clear of the axes
    low, high = low - margin, high + margin
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = low, high
    span = high - low
    if span > 120:  # a tick on each month's first day
        first = date.fromordinal(int(low))
        ticks, month = [], date(first.year, first.month, 1)
        while month.toordinal() <= high:
            if month.toordinal() >= low:
                ticks.append(month.toordinal())
            month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        plot.xValueAxis.valueSteps = ticks
        plot.xValueAxis.labelTextFormat = lambda value: date.fromordinal(int(value)).strftime("%b")
    else:
        step = max(1, round(span / 8))
        plot.xValueAxis.valueSteps = [int(low) + 1 + step * i for i in range(int(span // step) + 2)
                                      if int(low) + 1 + step * i <= high]
        plot.xValueAxis.labelTextFormat = lambda value: date.fromordinal(int(value)).strftime("%d %b")
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax, plot.yValueAxis.valueStep = 0, 10, 2
    plot.yValueAxis.visibleGrid = 1
    plot.yValueAxis.gridStrokeColor = colors.HexColor("#dddddd")
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName, axis.labels.fontSize = regular, 9
    dense = max(len(points) for points in kept) > 60
    shapes = []
    if series[0]:
        shapes.append((BEFORE_COLOUR, "FilledCircle", "Pain before"))
    if series[1]:
        shapes.append((AFTER_COLOUR, "FilledSquare", "Pain after"))
    if dense:  # many sessions: each a small dot, and a line through each week's average
        def weekly(points):
            weeks: dict[int, list[float]] = {}
            for where, value in points:
                weeks.setdefault((int(where) - 1) // 7, []).append(value)  # ordinal 1 is a Monday
            return [(week * 7 + 1 + 3.5, sum(values) / len(values)) for week, values in sorted(weeks.items())]

        plot.data = kept + [weekly(points) for points in kept]
    for index, (colour, marker, _) in enumerate(shapes):
        line = plot.lines[index]
        line.strokeColor = colors.HexColor(colour)
        line.strokeWidth = 0 if dense else 1.2
        if dense:
            line.strokeColor = None
        line.symbol = makeMarker(marker, size=1.4 if dense else 4, fillColor=colors.HexColor(colour),
                                 strokeColor=colors.HexColor(colour))
        if dense:
            average = plot.lines[index + len(shapes)]
            average.strokeColor, average.strokeWidth, average.symbol = colors.HexColor(colour), 1.6, None
    drawing.add(plot)
    left = 34
    for colour, marker, label in shapes:
        symbol = makeMarker(marker, size=6, fillColor=colors.HexColor(colour), strokeColor=colors.HexColor(colour))
        symbol.x, symbol.y = left + 3, height_pt - 12
        drawing.add(symbol)
        drawing.add(String(left + 10, height_pt - 15, label, fontName=regular, fontSize=10,
                           fillColor=colors.HexColor(colour)))
        left += 110
    drawing.add(String(left, height_pt - 15, "0 no pain, 10 the worst" + ("; lines: each week's average" if dense
                                                                        else ""), fontName=regular, fontSize=10,
                       fillColor=colors.HexColor("#444444")))
    return drawing


def report_tables(report: Any) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The report's tables as text cells (the same for the PDF and the HTML page)."""
    from voicecoach.history import how_it_ended, pain_text
    from voicecoach.report import rating, then_words

    zone = report.made.tzinfo
    tables: dict[str, tuple[list[str], list[list[str]]]] = {}
    tables["weeks"] = (["Week of", "Sessions" + (" (asked)" if any(w.asked is not None for w in report.weeks) else ""),
                        "Minutes", "Pain before", "Pain after"],
                       [[f"{w.monday:%a %d %b %Y}", f"{w.sessions}" + (f" ({w.asked})" if w.asked is not None else ""),
                         f"{round(w.minutes)}", rating(w.pain_before), rating(w.pain_after)] for w in report.weeks])
    tables["stops"] = (["Date", "Program", "Exercise", "Then"],
                       [[f"{s.when.astimezone(zone):%d %b %Y %H:%M}", s.title, f"{s.number}. {s.exercise}", then_words(s.chose)]
                        for s in report.stops])
    tables["left_out"] = (["Exercise", "Times left out", "Last"],
                          [[item.exercise, str(item.times), f"{item.last:%d %b %Y}"] for item in report.left_out])
    tables["sessions"] = (["Date", "Program", "Min", "Done", "Pain", "Next morning", "How it ended"],
                          [[f"{e.started.astimezone(zone):%d %b %Y %H:%M}", e.title, f"{e.listened_ms / 60000:.1f}",
                            f"{e.completed}/{e.exercises}", pain_text(e) or "-", e.next_morning or "-",
                            how_it_ended(e)] for e in report.sessions])
    return tables


def _mornings_line(report: Any) -> str | None:
    if not report.mornings:
        return None
    zone = report.made.tzinfo
    worse = [entry for entry, answer in report.mornings if answer == "worse"]
    text = f"{len(report.mornings)} answered."
    if worse:
        text += " Worse the morning after the session of: " + ", ".join(
            f"{entry.started.astimezone(zone):%d %b %Y}" for entry in worse) + "."
    return text


REPORT_NOTE = ("From voicecoach's history, as the listener answered: advice and a record, never a diagnosis.")


def report_pdf(report: Any, path: Path, patient: str | None = None, paper: str = "a4") -> None:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from voicecoach.report import period, summary_lines

    regular, bold = fonts()
    title = ParagraphStyle("title", fontName=bold, fontSize=20, leading=25, spaceAfter=2)
    sub = ParagraphStyle("sub", fontName=regular, fontSize=11, leading=14, textColor=colors.HexColor("#444444"),
                         spaceAfter=6)
    heading = ParagraphStyle("heading", fontName=bold, fontSize=13, leading=17, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=14, spaceAfter=3)
    cell = ParagraphStyle("cell", fontName=regular, fontSize=8.5, leading=10.5)
    tables = report_tables(report)

    def table(name: str, widths: list[float] | None = None) -> Table:
        head, rows = tables[name]
        data = [[Paragraph(_escape(text), ParagraphStyle("head", parent=cell, fontName=bold)) for text in head]]
        data += [[Paragraph(_escape(text), cell) for text in row] for row in rows]
        made = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        made.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                                  ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                  ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
        return made

    story: list[Any] = [Paragraph("Home exercise report", title),
                        Paragraph(_escape(f"{'For ' + patient + ' · ' if patient else ''}{period(report)} · made "
                                          f"{report.made:%d %b %Y %H:%M}"), sub)]
    story += [Paragraph(_escape(line), body) for line in summary_lines(report)]
    if not report.empty:
        chart = pain_chart(report, width_pt=170 * mm, height_pt=62 * mm)
        story.append(Paragraph("Pain before and after each session", heading))
        story.append(chart if chart is not None else Paragraph("No pain ratings in this period.", body))
        story += [Paragraph("Sessions a week", heading), table("weeks", [38 * mm, 30 * mm, 22 * mm, 24 * mm, 24 * mm])]
        mornings = _mornings_line(report)
        story += [Paragraph("The morning after", heading),
                  Paragraph(_escape(mornings or "No next-morning answers in this period."), body)]
        story.append(Paragraph("Stopped for pain", heading))
        story.append(table("stops", [34 * mm, 50 * mm, 56 * mm, 30 * mm]) if report.stops else
                     Paragraph("No exercise was stopped for pain.", body))
        if report.left_out:
            story += [Paragraph("Left out because they hurt before", heading), table("left_out")]
        story += [Spacer(1, 4 * mm), KeepTogether([Paragraph("Every session", heading)]),
                  table("sessions", [27 * mm, 38 * mm, 11 * mm, 13 * mm, 15 * mm, 20 * mm, 50 * mm])]
    story += [Spacer(1, 4 * mm), Paragraph(_escape(REPORT_NOTE), sub)]

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(regular, 8.5)
        canvas.drawCentredString(doc.pagesize[0] / 2, 9 * mm, f"voicecoach report · {period(report)} · page {doc.page}")
        canvas.restoreState()

    SimpleDocTemplate(str(path), pagesize=_page_size(paper), leftMargin=18 * mm, rightMargin=18 * mm,
                      topMargin=14 * mm, bottomMargin=16 * mm, title="Home exercise report", author="voicecoach",
                      lang="en").build(story, onFirstPage=footer, onLaterPages=footer)


_REPORT_CSS = """
body { font-family: "DejaVu Sans", Verdana, sans-serif; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem;
       color: #111; line-height: 1.4; }
h1 { margin-bottom: 0.1rem; } .sub { color: #444; margin-top: 0; } h2 { font-size: 1.2rem; margin-top: 1.4rem; }
table { border-collapse: collapse; font-size: 0.9rem; } th, td { border: 1px solid #999; padding: 0.15rem 0.45rem;
text-align: left; vertical-align: top; } th { background: #eee; }
.chart svg { max-width: 100%; height: auto; }
"""


def report_html(report: Any, patient: str | None = None) -> str:
    from reportlab.graphics import renderSVG

    from voicecoach.report import period, summary_lines

    e = html.escape
    tables = report_tables(report)

    def table(name: str) -> str:
        head, rows = tables[name]
        return ("<table>\n<thead><tr>" + "".join(f"<th>{e(text)}</th>" for text in head) + "</tr></thead>\n<tbody>\n"
                + "".join("<tr>" + "".join(f"<td>{e(text)}</td>" for text in row) + "</tr>\n" for row in rows)
                + "</tbody></table>\n")

    parts = ['<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
             '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
             f"<title>Home exercise report</title>\n<style>{_REPORT_CSS}</style>\n</head>\n<body>\n"
             "<h1>Home exercise report</h1>\n"
             f'<p class="sub">{e(("For " + patient + " · ") if patient else "")}{e(period(report))} · made '
             f"{report.made:%d %b %Y %H:%M}</p>\n"]
    parts += [f"<p>{e(line)}</p>\n" for line in summary_lines(report)]
    if not report.empty:
        chart = pain_chart(report)
        parts.append("<h2>Pain before and after each session</h2>\n")
        if chart is None:
            parts.append("<p>No pain ratings in this period.</p>\n")
        else:
            svg = renderSVG.drawToString(chart)
            parts.append(f'<div class="chart" role="img" aria-label="Pain before and after each session">'
                         f'{svg[svg.index("<svg"):]}</div>\n')
        parts += ["<h2>Sessions a week</h2>\n", table("weeks"), "<h2>The morning after</h2>\n",
                  f"<p>{e(_mornings_line(report) or 'No next-morning answers in this period.')}</p>\n",
                  "<h2>Stopped for pain</h2>\n", table("stops") if report.stops else
                  "<p>No exercise was stopped for pain.</p>\n"]
        if report.left_out:
            parts += ["<h2>Left out because they hurt before</h2>\n", table("left_out")]
        parts += ["<h2>Every session</h2>\n", table("sessions")]
    parts.append(f'<p class="sub">{e(REPORT_NOTE)}</p>\n</body>\n</html>\n')
    return "".join(parts)


REPORT_FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".csv": "csv", ".json": "json"}


def write_text(path: Path, text: str) -> None:
    write(path, lambda temporary: temporary.write_text(text, encoding="utf-8", newline=""))
