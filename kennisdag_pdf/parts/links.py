"""Links on paper: the address printed without its scheme, plus a QR code to scan.

Used only by profiles with printed_links; on screen the same links are live instead. These
take the theme, not the parts' context, so that the context can use them without a cycle.
"""

from __future__ import annotations

from reportlab.platypus import Table

from .. import text
from ..flowables import Para, QrCode
from ..theme import Theme


def qr_code(theme: Theme, url: str) -> QrCode:
    measure = theme.measure
    return QrCode(url, colour=theme.palette.text, module=measure.qr_module,
                  min_size=measure.qr_size)


def qr_codes(theme: Theme, urls: tuple[str, ...] | list[str]) -> Table:
    """The links of one paragraph: per address a QR code with the address beside it."""
    measure = theme.measure
    codes = [qr_code(theme, url) for url in urls]
    width = max(code.size for code in codes) + measure.qr_gap * 2
    rows = [[code, Para(text.plain(text.printed_url(url)), theme["qr_caption"])]
            for code, url in zip(codes, urls)]
    table = Table(rows, colWidths=[width, theme.page.text_width - width], hAlign="LEFT")
    table.setStyle(theme.table_style(
        "qr_caption", ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BOTTOMPADDING", (0, 0), (-1, -1), measure.qr_gap)))
    return table


def qr_beside(theme: Theme, url: str, flowables: list) -> Table:
    """A QR code with a block of text beside it (the photos reference)."""
    measure = theme.measure
    code = qr_code(theme, url)
    table = Table([[code, flowables]],
                  colWidths=[code.size + measure.qr_gap * 2, None], hAlign="LEFT")
    table.setStyle(theme.table_style("note", ("VALIGN", (0, 0), (-1, -1), "MIDDLE")))
    return table
