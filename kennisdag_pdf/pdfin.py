"""Opening a PDF that this build did not write: damage found, values read by type, work bounded.

`check`, `impose` and `extract` take any file a user hands them: a truncated
download, a file another tool broke, or one made to exhaust whoever reads it. qpdf repairs what
it can without a word, and a repaired file has lost something (a truncated brochure "passed"
with no fonts and no cover image), so every repair qpdf reports is damage. Drawing operators
are parsed only after their size is known to fit the budget: qpdf would otherwise hold a few
hundred bytes for each token of a stream that inflates 1,000-fold.
"""

from __future__ import annotations

import re
import time
import warnings
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

import pikepdf

from .errors import BadInput
from .reading import inflate
from .units import MB

# Measured against the largest file we make ourselves: 5,676 A4 print pages (the synthetic
# event of `make bench`, 1,892 pages, three times over): its biggest page stream holds about
# 3,000 tokens, its whole check walk 5.6 million (13 s in all). qpdf holds 200-300 bytes a
# parsed token, so one stream at the cap costs about 130 MB while it is read; the whole-walk
# cap is five times the largest real file, under a minute of work.
MAX_STREAM_TOKENS = 500_000
MAX_STREAM_BYTES = 16 * MB  # one decoded content stream
MAX_OPERATIONS = 30_000_000  # tokens parsed over a whole walk, forms counted each time drawn
# An A4 page at 300 dpi in CMYK is 35 MB; a picture inflating past this is a bomb.
MAX_IMAGE_BYTES = 256 * MB
MAX_FORM_DEPTH = 32  # forms drawing forms; Acrobat gives up at 28 levels of q
# Each stream walked costs at least this much: a form of three tokens drawn 10^8 times is as
# much work as its tokens suggest only if the call around each drawing is counted too.
MIN_STREAM_COST = 100
# Forms drawn again and again are parsed once: small ones are kept, parsed, for the walk.
CACHED_FORM_TOKENS = 2_000
CACHED_FORMS = 200
MAX_SECONDS = 300.0  # a walk that is still going after this is treated as too complex
MEMORY_CEILING = 2 * 1024 ** 3  # address space of a console run on a foreign PDF (cli.main)
# The whole file is read into memory before the child is forked: a quarter of the ceiling,
# far above any brochure (the 2011 print file is 0.5 MB).
MAX_PDF_BYTES = 512 * MB

TOO_COMPLEX = "is too complex to check"
# Token boundaries: whitespace and delimiters. Counting them bounds the number of tokens qpdf
# would make of a stream, before it makes them.
_BOUNDARIES = (b" ", b"\n", b"\r", b"\t", b"\f", b"\0", b"/", b"[", b"]", b"<", b">", b"(",
               b")", b"{", b"}", b"%")
_WARNING_SOURCE = re.compile(r"^stream <[^>]*>[^:]*:\s*|^[^:]*\.pdf[^:]*:\s*")


class TooComplex(Exception):
    """The work on a file went past its budget; the CLI reports it as bad input."""


class Unexpected(Exception):
    """A value in the file is not of the type or shape the PDF standard gives it."""


# What a value of the wrong type raises in pikepdf or in arithmetic on it, where a typed read
# did not already catch it: for a foreign file each is damage at the place being read, never
# a bug of ours.
MALFORMED = (Unexpected, pikepdf.PdfError, pikepdf.PikepdfError, TypeError, ValueError, AttributeError, KeyError,
             IndexError, OverflowError, ZeroDivisionError, NotImplementedError)


@dataclass
class Budget:
    """Work allowed for one command on one file: tokens, nesting and time, held in process.
    The defaults are read when a budget is made, so a test may lower the module's caps."""

    operations: int = field(default_factory=lambda: MAX_OPERATIONS)
    stream_tokens: int = field(default_factory=lambda: MAX_STREAM_TOKENS)
    stream_bytes: int = field(default_factory=lambda: MAX_STREAM_BYTES)
    depth: int = field(default_factory=lambda: MAX_FORM_DEPTH)
    seconds: float = field(default_factory=lambda: MAX_SECONDS)
    spent: int = 0
    started: float = field(default_factory=time.monotonic)
    parsed: dict = field(default_factory=dict, repr=False)

    def charge(self, tokens: int) -> None:
        self.spent += tokens
        if self.spent > self.operations:
            raise TooComplex(f"more than {self.operations:,} drawing operations")
        if time.monotonic() - self.started > self.seconds:
            raise TooComplex(f"still not read after {self.seconds:.0f} seconds")

    def enter(self, depth: int) -> None:
        if depth > self.depth:
            raise TooComplex(f"forms nested more than {self.depth} deep")


def open_foreign(data: bytes, name: str) -> pikepdf.Pdf:
    """The file opened by qpdf, or bad input for a file that is no PDF or is encrypted."""
    try:
        pdf = pikepdf.open(BytesIO(data))
    except pikepdf.PasswordError:
        raise BadInput.single(name, "is encrypted; it needs an unprotected PDF") from None
    except (pikepdf.PdfError, pikepdf.PikepdfError, ValueError, OSError, RecursionError,
            TypeError):
        raise BadInput.single(name, "is not a readable PDF") from None
    except MemoryError:
        raise BadInput.single(name, f"{TOO_COMPLEX} (it needs more memory than allowed)") from None
    if pdf.is_encrypted:  # an empty user password opens silently; we keep our hands off it
        pdf.close()
        raise BadInput.single(name, "is encrypted; it needs an unprotected PDF")
    return pdf


def repairs(pdf: pikepdf.Pdf, since: int = 0) -> list[str]:
    """What qpdf had to repair or could not read, in its words without the stream's name."""
    out = []
    for warning in list(pdf.get_warnings())[since:]:
        text = _WARNING_SOURCE.sub("", str(warning)).strip()
        if text and text not in out:
            out.append(text)
    return out


def page_runs(numbers: list[int], most: int | None = None) -> str:
    """[1, 2, 3, 7] → '1–3, 7': pages named in runs, at most `most` runs and then '…'."""
    runs, start = [], None
    for index, number in enumerate(numbers):
        if start is None:
            start = number
        if index + 1 == len(numbers) or numbers[index + 1] != number + 1:
            runs.append(f"{start}–{number}" if number != start else f"{number}")
            start = None
    if most is not None and len(runs) > most:
        return ", ".join(runs[:most]) + ", …"
    return ", ".join(runs)


def damage_summary(found: list[str], limit: int = 3) -> str:
    shown = "; ".join(found[:limit])
    more = f" (and {len(found) - limit} more damaged places)" if len(found) > limit else ""
    return shown + more


def read_stream(stream, budget: Budget) -> bytes:
    """A stream's decoded bytes, no more than the budget's stream_bytes. A plain Flate stream
    is inflated here, bounded; other filters are left to qpdf (the console's memory ceiling
    bounds those)."""
    if not isinstance(stream, pikepdf.Stream):
        raise Unexpected("a content stream is not a stream")
    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array) and len(filters) == 1:
        filters = filters[0]
    if filters == pikepdf.Name.FlateDecode and stream.get("/DecodeParms") is None:
        try:
            data, _, _ = inflate(stream.read_raw_bytes(), budget.stream_bytes)
        except zlib.error:
            raise Unexpected("a content stream cannot be decompressed") from None
    elif filters is None:
        data = stream.read_raw_bytes()
    else:
        try:
            data = stream.read_bytes()
        except pikepdf.PdfError:
            raise Unexpected("a content stream cannot be decompressed") from None
    if len(data) > budget.stream_bytes:
        raise TooComplex(f"a content stream of more than {budget.stream_bytes // MB} MB")
    return data


def check_image_data(image, what: str) -> None:
    """A Flate-compressed image's data inflates to its end without error: qpdf copies a
    broken one silently and a viewer shows a grey box or nothing. Inflated in slices and
    thrown away, so a large image costs time, not memory; other filters are not looked into."""
    filters = image.get("/Filter")
    if isinstance(filters, pikepdf.Array) and len(filters) == 1:
        filters = filters[0]
    if filters != pikepdf.Name.FlateDecode:
        return
    try:
        _, size, complete = inflate(image.read_raw_bytes(), MAX_IMAGE_BYTES, keep=False)
    except zlib.error:
        size, complete = 0, False
    if size > MAX_IMAGE_BYTES:
        raise TooComplex(f"an image of more than {MAX_IMAGE_BYTES // MB} MB")
    if not complete:
        raise Unexpected(f"the data of {what} cannot be decompressed")


def tokens_at_most(data: bytes) -> int:
    return 1 + sum(data.count(boundary) for boundary in _BOUNDARIES)


def operations(streams, owner: pikepdf.Pdf, budget: Budget) -> list:
    """The drawing operations of one content stream (or a page's streams, joined: a split may
    fall between two tokens), parsed only once their size is known to fit the budget."""
    key = None
    if isinstance(streams, pikepdf.Stream) and streams.is_indirect and \
            streams.get("/Subtype") == pikepdf.Name.Form:
        key = streams.objgen
        if key in budget.parsed:
            tokens, parsed = budget.parsed[key]
            budget.charge(max(tokens, MIN_STREAM_COST))
            return parsed
    many = streams if isinstance(streams, (list, tuple)) else [streams]
    data = b"\n".join(read_stream(stream, budget) for stream in many)
    if len(data) > budget.stream_bytes:
        raise TooComplex(f"a content stream of more than {budget.stream_bytes // MB} MB")
    tokens = tokens_at_most(data)
    if tokens > budget.stream_tokens:
        raise TooComplex(f"a content stream of more than {budget.stream_tokens:,} operations")
    budget.charge(max(tokens, MIN_STREAM_COST))
    # The stream itself is parsed where it can be: a new stream object for each parse would
    # stay with the file until it is closed.
    source = many[0] if len(many) == 1 else pikepdf.Stream(owner, data)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        try:
            parsed = pikepdf.parse_content_stream(source)
        except (pikepdf.PdfError, pikepdf.PikepdfError) as exc:
            raise Unexpected(f"its drawing operators cannot be read ({_short(exc)})") from None
    if said:  # pikepdf warns of a stream that stops inside an operation: it was cut short
        raise Unexpected(f"its drawing operators cannot be read ({str(said[0].message)[:120]})")
    if key is not None and tokens <= CACHED_FORM_TOKENS and len(budget.parsed) < CACHED_FORMS:
        budget.parsed[key] = (tokens, parsed)
    return parsed


def page_streams(page_obj) -> list:
    """A page's /Contents as a list of streams: absent is an empty page."""
    contents = page_obj.get("/Contents")
    if contents is None:
        return []
    if isinstance(contents, pikepdf.Stream):
        return [contents]
    if isinstance(contents, pikepdf.Array):
        streams = list(contents)
        if all(isinstance(s, pikepdf.Stream) for s in streams):
            return streams
    raise Unexpected("its Contents is not a content stream")


def scan(pdf: pikepdf.Pdf, budget: Budget) -> list[str]:
    """Every page's content and every form it draws parsed once (each form once however often
    drawn): where the drawing cannot be read, as 'page N: what'. Raises TooComplex."""
    found: list[str] = []
    seen: set = set()

    def visit(streams, resources, depth: int) -> None:
        budget.enter(depth)
        operations(streams, pdf, budget)
        xobjects = dictionary(dictionary(resources, "Resources").get("/XObject"), "XObject")
        for key in list(xobjects.keys()):
            xobject = xobjects.get(key)
            if not isinstance(xobject, pikepdf.Stream):
                continue
            if xobject.objgen in seen and xobject.objgen != (0, 0):
                continue
            seen.add(xobject.objgen)
            if xobject.get("/Subtype") == "/Image":
                check_image_data(xobject, f"image {key}")
            elif xobject.get("/Subtype") == "/Form":
                visit(xobject, xobject.get("/Resources", resources), depth + 1)

    for number, page in enumerate(pdf.pages, 1):
        before = len(pdf.get_warnings())
        try:
            visit(page_streams(page.obj), page.obj.get("/Resources"), 0)
        except MALFORMED as exc:
            found.append(f"page {number}: {described(exc)}")
        except RecursionError:
            raise TooComplex(f"forms nested more than {budget.depth} deep") from None
        else:
            # qpdf reads on, with a warning, past what it cannot make sense of
            lost = repairs(pdf, before)
            if lost:
                found.append(f"page {number}: parts cannot be read ({lost[0]})")
    return found


def damage(pdf: pikepdf.Pdf, budget: Budget) -> list[str]:
    """Everything wrong with the file as a reader of its pages would meet it: qpdf's repairs
    on opening, then pages whose drawing cannot be read. Empty for a sound file. Call it
    straight after open_foreign, before anything else reads the file."""
    opening = repairs(pdf)
    found = []
    if any("reconstruct" in text for text in opening):
        found.append("its index of objects (cross-reference table) is missing or broken; "
                     "the file may be cut short")
    elif opening:
        found.append(f"it had to be repaired ({opening[0]})")
    return found + scan(pdf, budget)


def refuse_damaged(data: bytes, name: str, budget: Budget | None = None) -> None:
    """Bad input for a damaged or over-complex file, before any other work is done on it."""
    budget = budget or Budget()
    with open_foreign(data, name) as pdf:
        try:
            found = damage(pdf, budget)
        except TooComplex as exc:
            raise too_complex(name, exc) from None
        if found:
            raise damaged(name, found)


def damaged(name: str, found: list[str]) -> BadInput:
    return BadInput.single(name, f"is damaged: {damage_summary(found)}; make it again or "
                                 "fetch a fresh copy")


def too_complex(name: str, exc: BaseException) -> BadInput:
    reason = f" ({exc})" if isinstance(exc, TooComplex) and str(exc) else \
        " (it needs more memory than allowed)" if isinstance(exc, MemoryError) else ""
    return BadInput.single(name, f"{TOO_COMPLEX}{reason}")


# --- values read by type ---------------------------------------------------------------------


def number(value, what: str) -> float:
    # pikepdf gives a PDF integer as int and a real as Decimal
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise Unexpected(f"its {what} is not a number")
    try:
        result = float(value)
    except (TypeError, ValueError, OverflowError):
        raise Unexpected(f"its {what} is not a number") from None
    if result != result or result in (float("inf"), float("-inf")):
        raise Unexpected(f"its {what} is not a number")
    return result


def integer(value, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Unexpected(f"its {what} is not a whole number")
    return int(value)


def rectangle(value, what: str) -> tuple[float, float, float, float]:
    """A box as (x0, y0, x1, y1) with x0 ≤ x1 and y0 ≤ y1: any two opposite corners."""
    if not isinstance(value, pikepdf.Array) or len(value) != 4:
        raise Unexpected(f"its {what} is not a rectangle of 4 numbers")
    x0, y0, x1, y1 = (number(v, what) for v in value)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def matrix(value, what: str) -> tuple[float, ...]:
    if not isinstance(value, pikepdf.Array) or len(value) != 6:
        raise Unexpected(f"its {what} is not a matrix of 6 numbers")
    return tuple(number(v, what) for v in value)


def dictionary(value, what: str) -> pikepdf.Dictionary:
    """A dictionary, or an empty one where the value is absent."""
    if value is None:
        return pikepdf.Dictionary()
    if isinstance(value, pikepdf.Dictionary):
        return value
    raise Unexpected(f"its {what} is not a dictionary")


def array(value, what: str) -> list:
    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return list(value)
    raise Unexpected(f"its {what} is not a list")


def described(exc: BaseException) -> str:
    """What went wrong reading a value, in one line for a damage finding."""
    if isinstance(exc, (Unexpected, pikepdf.PdfError)):
        return _short(exc)
    return f"it holds a value of an unexpected kind ({type(exc).__name__}: {_short(exc)[:120]})"


def _short(exc: BaseException) -> str:
    text = _WARNING_SOURCE.sub("", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return text[:200]
