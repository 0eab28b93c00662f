"""User text → ReportLab Paragraph markup that cannot be misread as markup.

Everything the user wrote is escaped first; only then do we add tags of our own. Body fields go
through a real CommonMark parser (markdown-it-py) restricted to paragraphs, bulleted and
numbered lists, emphasis, strong, links (inline, reference and <…>) and backslash escapes: raw
HTML prints as the text it is. What a body asks for that the brochure cannot make (a heading,
an image, a link without https://) is never dropped in silence: `body_problems` names it, and
the loader refuses the field with that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

if TYPE_CHECKING:  # the parser loads only for a body that needs it (validate starts fast)
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

LINK_SCHEMES = ("http", "https", "mailto")


def plain(text: str) -> str:
    """A plain field as Paragraph markup: printed exactly as written."""
    return escape(text)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # The 'zero' preset enables nothing but paragraphs and text; entities and HTML stay off so
    # that '&amp;' or '<b>' print literally, and headings and images off so that they are
    # found as what they are (body_problems) rather than half made.
    return MarkdownIt("zero").enable(["emphasis", "link", "autolink", "escape", "newline",
                                      "list", "reference"])


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


@dataclass(frozen=True)
class BodyList:
    """A bulleted or numbered list; each item is blocks of its own (paragraphs, and lists
    within it)."""

    ordered: bool
    start: int  # the first number of a numbered list
    items: tuple[tuple["BodyParagraph | BodyList", ...], ...]


BodyBlock = BodyParagraph | BodyList
_LIST_OPEN = {"bullet_list_open": False, "ordered_list_open": True}


def body_blocks(text: str, *, link_color: str = "#1f4e79",
                printed_links: bool = False) -> list[BodyBlock]:
    """A body field as its blocks in reading order: paragraphs of markup (each with the links
    it contains) and lists.

    printed_links: for paper, where a link cannot be clicked: no link markup; a bare address
    prints without its scheme, and the caller adds a QR code with the address per link.
    """
    tokens = _parser().parse(text)
    blocks, _ = _blocks(tokens, 0, None, link_color, printed_links)
    return blocks


def _blocks(tokens: list[Token], at: int, until: str | None, link_color: str,
            printed: bool) -> tuple[list[BodyBlock], int]:
    """The blocks from tokens[at] to the token of type `until` (None: the end), and where
    reading goes on. Nested as deep as the parser nests (its maxNesting bounds it)."""
    out: list[BodyBlock] = []
    while at < len(tokens):
        token = tokens[at]
        if token.type == until:
            return out, at + 1
        if token.type == "inline":
            urls: list[str] = []
            markup = _render_inline(token.children or [], link_color, printed, urls)
            out.append(BodyParagraph(markup, tuple(urls)))
            at += 1
        elif token.type in _LIST_OPEN:
            start = int(token.attrGet("start") or 1)
            items = []
            at += 1
            while at < len(tokens) and tokens[at].type == "list_item_open":
                item, at = _blocks(tokens, at + 1, "list_item_close", link_color, printed)
                items.append(tuple(item))
            out.append(BodyList(_LIST_OPEN[token.type], start, tuple(items)))
            at += 1  # the list's closing token
        else:
            at += 1
    return out, at


def paragraphs_of(blocks: list[BodyBlock]) -> list[BodyParagraph]:
    """Every paragraph of the blocks, those in lists too, in reading order."""
    out: list[BodyParagraph] = []
    for block in blocks:
        if isinstance(block, BodyParagraph):
            out.append(block)
        else:
            for item in block.items:
                out += paragraphs_of(list(item))
    return out


def body_paragraphs(text: str, *, link_color: str = "#1f4e79",
                    printed_links: bool = False) -> list[BodyParagraph]:
    """A body field's paragraphs, those in its lists too, in reading order."""
    return paragraphs_of(body_blocks(text, link_color=link_color, printed_links=printed_links))


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


# --- what a body cannot have -------------------------------------------------------------------

# What may be a heading, an image, a link or a reference: only a body with one of these is
# parsed to be sure (most have none). Linear: one pass, no nested repetition.
_MAY_ASK_TOO_MUCH = re.compile(
    r"\]\(|\]\[|<|^[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)*#{1,6}(?:[ \t]|$)", re.M)
_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+|$)")
_REFERENCE = re.compile(r"\[([^\[\]\n]{1,200})\]\[([^\[\]\n]{0,200})\]")
# An address in < > without a scheme (one with a scheme became a link): the dot is looked for
# afterwards, so that no part of the pattern can backtrack over another.
_ANGLED = re.compile(r"<([^\s<>]{3,400})>")
# A link the parser itself refused (a javascript: or data: address) stays as its text.
_REFUSED_LINK = re.compile(r"\[([^\[\]\n]{1,200})\]\(([^()\s]{1,200})")
SHOWN = 60  # characters of the user's text quoted in a message


def body_problems(text: str) -> list[str]:
    """What a body field asks for that the brochure will not make, each said with where it is
    (the line within the text) and how to fix it: a Markdown heading, an image, a link whose
    address is not https://, http:// or mailto:, a reference link without its definition, an
    address in < > without its scheme. Empty for a body the brochure prints as meant."""
    if not _MAY_ASK_TOO_MUCH.search(text):
        return []
    problems: list[str] = []
    for token in _parser().parse(text):
        if token.type != "inline":
            continue
        first = token.map[0] + 1 if token.map else 1
        for offset, line in enumerate(token.content.split("\n")):
            heading = _HEADING.match(line)
            if heading:
                problems.append(
                    f"'{_shown(line)}' on line {first + offset} of the text is a Markdown "
                    f"heading, which a body cannot have: give it a chapter of its own "
                    f"(chapters: with a title), or leave out the {heading.group(1)}")
        problems += _inline_problems(token.children or [], first)
    return problems


def _inline_problems(children: list[Token], line: int) -> list[str]:
    problems: list[str] = []
    for index, token in enumerate(children):
        if token.type in ("softbreak", "hardbreak"):
            line += 1
        elif token.type == "link_open":
            href = str(token.attrGet("href") or "")
            label = _label(children, index)
            before = children[index - 1] if index else None
            written = f"[{_shown(label)}]({_shown(href)})"
            if before is not None and before.type == "text" and before.content.endswith("!"):
                problems.append(
                    f"'!{written}' on line {line} of the text is an image, which a body cannot "
                    f"show: put the picture under photos: (with a caption), or leave out the !")
            elif _safe_href(href) is None:
                problems.append(f"{written} on line {line} of the text is not a link the "
                                f"brochure can make: {_link_fix(label, href)}")
        elif token.type == "text":
            for found in _REFUSED_LINK.finditer(token.content):
                label, href = found.groups()
                cut = "" if token.content[found.end():found.end() + 1] == ")" else "…"
                problems.append(f"[{_shown(label)}]({_shown(href)}{cut}) on line {line} of the "
                                f"text is not a link the brochure can make: "
                                f"{_link_fix(label, href)}")
            for found in _REFERENCE.finditer(token.content):
                name = found.group(2) or found.group(1)
                problems.append(
                    f"'{_shown(found.group(0))}' on line {line} of the text refers to a link "
                    f"'{_shown(name)}' that is not defined: add a line '[{_shown(name)}]: "
                    f"https://…' after the paragraph, or write [{_shown(found.group(1))}]"
                    f"(https://…)")
            for found in _ANGLED.finditer(token.content):
                address = found.group(1)
                if "." not in address.strip("."):
                    continue  # <b>, <br/>: raw HTML, printed as written
                problems.append(
                    f"'<{_shown(address)}>' on line {line} of the text is not a link: write "
                    f"<https://{_shown(address)}> to make it one")
    return problems


def _label(children: list[Token], index: int) -> str:
    """The words of the link that opens at children[index]."""
    words = []
    for token in children[index + 1:]:
        if token.type == "link_close":
            break
        words.append(token.content)
    return "".join(words)


def _link_fix(label: str, href: str) -> str:
    scheme = urlsplit(href).scheme
    if not scheme and href and not href.startswith(("/", ".", "#")):
        return (f"an address needs https:// (or http://, mailto:); write "
                f"[{_shown(label)}](https://{_shown(href)})")
    if not scheme:
        return ("an address within a website or on this computer cannot be followed from a "
                "brochure: write the whole address, with https://")
    return (f"only https://, http:// and mailto: addresses become links, not {scheme}:; "
            f"link to a web page instead")


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN else text[:SHOWN - 1] + "…"
