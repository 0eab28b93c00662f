"""Links on paper: the address printed without its scheme, plus a QR code to scan.

Used only by profiles with printed_links; on screen the same links are live instead.
"""

from __future__ import annotations

from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.platypus import Flowable, Paragraph, Table

from .. import text
from .base import Context

QUIET_ZONE = 4  # modules of white around the code: the minimum the QR standard asks for


class QrCode(Flowable):
    """A QR code drawn as filled modules in one theme colour (pure black ink in print).

    Sized from its module count, so a long URL gives a bigger code rather than modules too
    fine for a phone camera.
    """

    def __init__(self, value: str, *, colour, module: float, min_size: float) -> None:
        super().__init__()
        self.qr = QRCode(None, QRErrorCorrectLevel.M)
        self.qr.addData(value)
        self.qr.make()
        self.value = value
        self.colour = colour
        count = self.qr.getModuleCount() + 2 * QUIET_ZONE
        self.size = max(min_size, count * module)
        self.module = self.size / count

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return (self.size, self.size)

    def draw(self) -> None:
        canvas, m = self.canv, self.module
        canvas.saveState()
        canvas.setFillColor(self.colour)
        # Runs of dark modules in a row become one rectangle: fewer operators, no seams.
        for row, modules in enumerate(self.qr.modules):
            y = self.size - (row + QUIET_ZONE + 1) * m
            col = 0
            while col < len(modules):
                if modules[col]:
                    start = col
                    while col < len(modules) and modules[col]:
                        col += 1
                    canvas.rect((start + QUIET_ZONE) * m, y, (col - start) * m, m,
                                stroke=0, fill=1)
                else:
                    col += 1
        canvas.restoreState()


def qr_code(ctx: Context, url: str) -> QrCode:
    measure = ctx.theme.measure
    return QrCode(url, colour=ctx.theme.palette.text, module=measure.qr_module,
                  min_size=measure.qr_size)


def qr_codes(ctx: Context, urls: tuple[str, ...] | list[str]) -> Table:
    """A row of QR codes, each with its address underneath, for the links of one paragraph."""
    theme, measure = ctx.theme, ctx.theme.measure
    per_row = max(1, int(theme.page.text_width // (measure.qr_size * 2)))
    column = theme.page.text_width / per_row
    cells = [[qr_code(ctx, url), Paragraph(text.plain(text.printed_url(url)),
                                           theme["qr_caption"])] for url in urls]
    rows = [cells[i:i + per_row] for i in range(0, len(cells), per_row)]
    rows[-1] += [""] * (per_row - len(rows[-1]))
    table = Table(rows, colWidths=[column] * per_row, hAlign="LEFT")
    table.setStyle(theme.table_style(
        "qr_caption", ("RIGHTPADDING", (0, 0), (-1, -1), measure.organiser_gap),
        ("BOTTOMPADDING", (0, 0), (-1, -1), measure.qr_gap)))
    table.keepWithNext = 0
    return table


def qr_beside(ctx: Context, url: str, flowables: list) -> Table:
    """A QR code with a block of text beside it (the photos reference)."""
    theme, measure = ctx.theme, ctx.theme.measure
    code = qr_code(ctx, url)
    table = Table([[code, flowables]],
                  colWidths=[code.size + measure.qr_gap * 2, None], hAlign="LEFT")
    table.setStyle(theme.table_style("note", ("VALIGN", (0, 0), (-1, -1), "MIDDLE")))
    return table
