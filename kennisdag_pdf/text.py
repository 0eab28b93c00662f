"""User text → ReportLab Paragraph markup that cannot be misread as markup.

Everything the user wrote is escaped first; only then do we add tags of our own. Body fields go
through a real CommonMark parser (markdown-it-py) restricted to paragraphs, emphasis, strong,
links and backslash escapes: raw HTML, headings and lists print as the text they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from markdown_it import MarkdownIt
from markdown_it.token import Token

LINK_SCHEMES = ("http", "https", "mailto")


def plain(text: str) -> str:
    """A plain field as Paragraph markup: printed exactly as written."""
    return escape(text)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # The 'zero' preset enables nothing but paragraphs and text; entities, HTML, headings and
    # lists stay off so that '&amp;', '<b>' or '# 1' print literally.
    return MarkdownIt("zero").enable(["emphasis", "link", "autolink", "escape", "newline"])


def _paragraphs(text: str) -> list[list[Token]]:
    return [tok.children or [] for tok in _parser().parse(text) if tok.type == "inline"]


def link_targets(text: str) -> list[str]:
    """Every link address in a body field as the brochure would use it (markdown-it's
    normalised form: percent-encoded, so its length is what a QR code must hold)."""
    if "](" not in text and "<" not in text:  # the only ways this parser makes a link
        return []
    return [str(tok.attrGet("href") or "") for children in _paragraphs(text)
            for tok in children if tok.type == "link_open"]


def _safe_href(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme in LINK_SCHEMES and (parts.netloc or parts.scheme == "mailto"):
        return href
    return None


_TAGS = {"softbreak": " ", "hardbreak": "<br/>", "em_open": "<i>", "em_close": "</i>",
         "strong_open": "<b>", "strong_close": "</b>"}


def link_open(href: str, color: str) -> str:
    """The opening tag of a link whose address was validated (never free user markup)."""
    return f"<a href={quoteattr(href)} color={quoteattr(color)}>"


def link(label: str, href: str, color: str) -> str:
    """A plain label as a link to a validated address."""
    return f"{link_open(href, color)}{escape(label)}</a>"


def printed_url(url: str) -> str:
    """A URL as a reader types it from paper: 'https://example.org/fotos/' → 'example.org/fotos/'.

    Only the scheme goes (and the lone '/' of a bare host); the rest must stay exact, since
    the reader has no link to click. Never shortened through a service: builds are offline.
    """
    parts = urlsplit(url)
    if parts.scheme == "mailto":
        return url[len("mailto:"):]
    rest = url.split("://", 1)[1] if "://" in url else url
    if parts.path == "/" and not parts.query and not parts.fragment:
        rest = rest.rstrip("/")
    return rest


def _render_inline(children: list[Token], link_color: str, printed: bool,
                   urls: list[str]) -> str:
    out: list[str] = []
    open_links: list[tuple[str | None, int]] = []  # (validated href, where its label starts)
    for tok in children:
        kind = tok.type
        if kind in _TAGS:
            out.append(_TAGS[kind])
        elif kind == "link_open":
            href = _safe_href(str(tok.attrGet("href") or ""))
            open_links.append((href, len(out)))
            if href is not None:
                if href not in urls:
                    urls.append(href)
                if not printed:
                    out.append(link_open(href, link_color))
        elif kind == "link_close":
            href, start = open_links.pop()
            if href is None:
                continue
            if not printed:
                out.append("</a>")
                continue
            # On paper the label stays as written and the caller prints the address (without
            # its scheme) under a QR code after the paragraph: an address inside a justified
            # line cannot be broken and would tear the line apart. A bare address is the label.
            label = "".join(out[start:])
            if label in (escape(href), escape(printed_url(href))):
                out[start:] = [escape(printed_url(href))]
        else:  # text, code_inline and anything a future preset adds: printed as text
            out.append(escape(tok.content))
    return "".join(out)


@dataclass(frozen=True)
class BodyParagraph:
    markup: str  # Paragraph markup
    urls: tuple[str, ...]  # validated link targets, in order of first appearance


def body_paragraphs(text: str, *, link_color: str = "#1f4e79",
                    printed_links: bool = False) -> list[BodyParagraph]:
    """A body field as paragraphs of markup, each with the links it contains.

    printed_links: for paper, where a link cannot be clicked: no link markup; a bare address
    prints without its scheme, and the caller adds a QR code with the address per link.
    """
    out = []
    for children in _paragraphs(text):
        urls: list[str] = []
        markup = _render_inline(children, link_color, printed_links, urls)
        out.append(BodyParagraph(markup, tuple(urls)))
    return out


def body(text: str, *, link_color: str = "#1f4e79", printed_links: bool = False) -> list[str]:
    """A body field as a list of Paragraph markup strings, one per paragraph."""
    return [p.markup for p in body_paragraphs(text, link_color=link_color,
                                               printed_links=printed_links)]


def body_plain(text: str) -> list[str]:
    """The text a reader sees of a body field, paragraph by paragraph (used by the tests)."""
    out = []
    for children in _paragraphs(text):
        out.append("".join(
            "\n" if t.type == "hardbreak" else " " if t.type == "softbreak" else t.content
            for t in children))
    return out
