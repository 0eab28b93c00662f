"""Links on paper: the address printed without its scheme, plus a QR code to scan.

Used only by profiles with printed_links; on screen the same links are live instead. These
take the theme, not the parts' context, so that the context can use them without a cycle.
"""

from __future__ import annotations

from reportlab.platypus import Table

from .. import text
from ..flowables import Element, Para, QrCode, tagged
from ..theme import Theme


def qr_code(theme: Theme, url: str, figure: Element | None = None) -> QrCode:
    """A QR code; `figure` its element, whose description should be the address."""
    measure = theme.measure
    code = QrCode(url, colour=theme.palette.text, module=measure.qr_module,
                  min_size=measure.qr_size)
    return tagged(code, figure) if figure is not None else code


def qr_codes(theme: Theme, urls: tuple[str, ...] | list[str],
             parent: Element | None = None) -> Table:
    """The links of one paragraph: per address a QR code with the address beside it. The
    table only places them: a reader hears each code's address and its printed form."""
    measure = theme.measure
    rows = []
    for url in urls:
        caption = Para(text.plain(text.printed_url(url)), theme["qr_caption"])
        code = qr_code(theme, url, parent.add("Figure", alt=url) if parent else None)
        if parent is not None:
            tagged(caption, parent.add("P"))
        rows.append([code, caption])
    codes = [row[0] for row in rows]
    width = max(code.size for code in codes) + measure.qr_gap * 2
    table = Table(rows, colWidths=[width, theme.page.text_width - width], hAlign="LEFT")
    table.setStyle(theme.table_style(
        "qr_caption", ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BOTTOMPADDING", (0, 0), (-1, -1), measure.qr_gap)))
    return table


def qr_beside(theme: Theme, url: str, flowables: list, figure: Element | None = None) -> Table:
    """A QR code with a block of text beside it (the photos reference)."""
    measure = theme.measure
    code = qr_code(theme, url, figure)
    table = Table([[code, flowables]],
                  colWidths=[code.size + measure.qr_gap * 2, None], hAlign="LEFT")
    table.setStyle(theme.table_style("note", ("VALIGN", (0, 0), (-1, -1), "MIDDLE")))
    return table
