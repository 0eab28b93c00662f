"""Hyphenation for ReportLab: pyphen's dictionaries, but names stay whole.

Dutch (and English) typography does not break proper names ('Berlusco-ni'); a capitalised word
is broken only at a hyphen it already has ('T-|Mobile', 'Zuid-|Limburg'). A sentence's first
word is capitalised too and is kept whole as well, which costs little.
"""

from __future__ import annotations

import contextlib
import marshal
from collections.abc import Iterable
from pathlib import Path

from . import cache
from .units import MB


class Hyphenator:
    """A callable for ParagraphStyle.hyphenationLang: word → (head, tail) pairs, longest first."""

    def __init__(self, language: str) -> None:
        import pyphen

        self.language = language
        _warm_from_cache(language)
        self._dictionary = pyphen.Pyphen(lang=language)

    def __call__(self, word: str) -> Iterable[tuple[str, str]]:
        if word[:1].isupper():
            return [(word[:i + 1], word[i + 1:]) for i in range(len(word) - 2, 0, -1)
                    if word[i] == "-"]
        return self._dictionary.iterate(word)

    def __repr__(self) -> str:  # shown in ReportLab's style dumps
        return f"Hyphenator({self.language!r})"


# --- a cache of parsed patterns ----------------------------------------------------------------
# pyphen parses its Dutch dictionary (25,000 patterns) in 60 ms, a tenth of a whole build of the
# 2011 brochure; reading the parsed patterns back takes 9 ms. They are kept in the user's cache
# folder (cache.py) as `marshal` data (plain dicts and tuples, which marshal stores and reads
# without running code), keyed by the dictionary file and the pyphen release, so that a changed
# dictionary is parsed anew. Every failure to read or write the cache falls back to parsing.


def _cache_name(dictionary: Path) -> str:
    import pyphen

    stat = dictionary.stat()
    digest = cache.key(pyphen.__version__, str(dictionary), stat.st_size, stat.st_mtime_ns,
                       marshal.version)
    return f"hyphenation-{dictionary.stem}-{digest[:16]}.marshal"


def _warm_from_cache(language: str) -> None:
    """Put the parsed dictionary into pyphen's own in-process cache, from ours or by parsing
    it once and keeping the result."""
    import pyphen

    path = pyphen.LANGUAGES.get(pyphen.language_fallback(language) or "")
    if path is None or path in pyphen.hdcache or not cache.enabled():
        return
    try:
        name = _cache_name(Path(path))
    except OSError:
        return
    try:
        patterns, maxlen = marshal.loads(cache.read(name) or b"")
        if not isinstance(patterns, dict) or not isinstance(maxlen, int):
            raise ValueError("not a pattern table")
    except (ValueError, EOFError, TypeError):
        parsed = pyphen.HyphDict(path)
        pyphen.hdcache[path] = parsed
        with contextlib.suppress(ValueError):  # alternative spellings: objects marshal refuses
            cache.write(name, marshal.dumps((parsed.patterns, parsed.maxlen)))
            cache.prune("hyphenation-", 8 * MB)  # other pyphen installs' copies
        return
    parsed = pyphen.HyphDict.__new__(pyphen.HyphDict)
    parsed.patterns, parsed.maxlen, parsed.cache = patterns, maxlen, {}
    pyphen.hdcache[path] = parsed
