"""Links on paper: the address printed without its scheme, plus a QR code to scan.

Used only by profiles with printed_links; on screen the same links are live instead.
"""

from __future__ import annotations

from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.platypus import Flowable, Table

from .. import text
from .base import Context, Para

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
    """The links of one paragraph: per address a QR code with the address beside it."""
    theme, measure = ctx.theme, ctx.theme.measure
    codes = [qr_code(ctx, url) for url in urls]
    width = max(code.size for code in codes) + measure.qr_gap * 2
    rows = [[code, Para(text.plain(text.printed_url(url)), theme["qr_caption"])]
            for code, url in zip(codes, urls)]
    table = Table(rows, colWidths=[width, theme.page.text_width - width], hAlign="LEFT")
    table.setStyle(theme.table_style(
        "qr_caption", ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BOTTOMPADDING", (0, 0), (-1, -1), measure.qr_gap)))
    return table


def qr_beside(ctx: Context, url: str, flowables: list) -> Table:
    """A QR code with a block of text beside it (the photos reference)."""
    theme, measure = ctx.theme, ctx.theme.measure
    code = qr_code(ctx, url)
    table = Table([[code, flowables]],
                  colWidths=[code.size + measure.qr_gap * 2, None], hAlign="LEFT")
    table.setStyle(theme.table_style("note", ("VALIGN", (0, 0), (-1, -1), "MIDDLE")))
    return table
