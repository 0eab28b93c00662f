"""Hyphenation for ReportLab: pyphen's dictionaries, but names stay whole.

Dutch (and English) typography does not break proper names ('Berlusco-ni'); a capitalised word
is broken only at a hyphen it already has ('T-|Mobile', 'Zuid-|Limburg'), unless it is a common
word of the language that starts a sentence ('Hoogwaterbeschermingsprogramma' on A5 left word
gaps of over an em when kept whole). pyphen has patterns, not words, so a word list tells
the two apart (lexicon below); the names the event's data holds (participants, organisations,
organisers, venue, city) are kept whole whatever the list says (Hyphenator.keep_whole).
"""

from __future__ import annotations

import contextlib
import marshal
import re
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
        self._names: frozenset[str] = frozenset()
        self._common: dict[str, bool] = {}  # ReportLab asks about a word at every line end

    def keep_whole(self, names: Iterable[str]) -> None:
        """Never break these names, nor any word of them, even where the word list knows the
        word ('Polderkennis', 'Rivierenland'): called with the event's names before layout."""
        self._names = self._names | {word.casefold() for name in names
                                     for word in _NAME_WORDS.split(name) if word}
        self._common.clear()

    def __call__(self, word: str) -> Iterable[tuple[str, str]]:
        if word[:1].isupper() and not self.common_word(word):
            return [(word[:i + 1], word[i + 1:]) for i in range(len(word) - 2, 0, -1)
                    if word[i] == "-"]
        return self._dictionary.iterate(word)

    def common_word(self, word: str) -> bool:
        """A capitalised word the language writes in lower case: 'Waterschapsverkiezingen'
        at a sentence's start; never a name of the event, an acronym or 'McKinsey'."""
        if word not in self._common:
            folded = word.casefold()
            self._common[word] = word[1:].islower() and word.isalpha() \
                and folded not in self._names and _known(folded, lexicon(self.language))
        return self._common[word]

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


# --- the word list -------------------------------------------------------------------------------
# wordfreq (Apache-2.0 code, CC-BY-SA 4.0 data; built from Wikipedia, subtitles, news, books and
# web text): its "large" lists hold every word seen at least once per 10^8 words, about 300,000
# for Dutch and for English. They are folded to lower case, so names are in them too
# ('berlusconi', 'amsterdam'); but a name is written alike in every language and a common word
# is not. A capitalised word is hyphenated when
# - it is the language's own: seen at least once per million words (Zipf 3) and 1.5 on the
#   Zipf scale (30 times) more often in that language than in two of the three others
#   compared below ('sociale' is French too, 'water' English: both Dutch words; 'Berlusconi',
#   'Amsterdam', 'Verhoeven', 'Youtube', 'London', 'Johnson' are alike in all and stay out),
#   or
# - it is a compound of two to four words of the language seen three times per ten million
#   words (Zipf 2.5: 'klimaat|adaptatie|strategieën'), which Dutch makes every day and no
#   list holds.
# A name of one language only and common enough ('Zaltbommel', 'Rotterdam') gets in: the
# event's own names are kept whole by keep_whole, and a name the data does not hold may break.

_WORDFREQ = {"nl_NL": "nl", "en_GB": "en"}
_COMPARED = ("nl", "en", "de", "fr")
_MARGIN = 1.5  # Zipf points
_COMMON = 3.0  # Zipf: once per million words
_PART = 2.5  # Zipf: a part of a compound ('adaptatie', 2.6)
_SHORTEST = 4  # letters of a word, or of a part of a compound, that the list is asked about
_NAME_WORDS = re.compile(r"[^\w']+")
_LINKS = ("", "s", "e", "en")  # what joins the parts of a Dutch compound: 'beschermings|programma'
_RULE = 2  # the cached lists' rule (_words_of): a new rule, a new cache file
_LEXICONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {}


def lexicon(language: str) -> tuple[frozenset[str], frozenset[str]]:
    """The language's own words and the words a compound is made of, lower case; read once
    per process, from the cache folder when it holds them (15 ms for Dutch) or from wordfreq
    (1 s: four lists of 300,000 words)."""
    code = _WORDFREQ.get(language)
    if code is None:
        return frozenset(), frozenset()
    if code in _LEXICONS:
        return _LEXICONS[code]
    import importlib.metadata

    version = importlib.metadata.version("wordfreq")
    name = (f"wordlist-{code}-"
            f"{cache.key(version, _COMPARED, _RULE, _MARGIN, _COMMON, _PART, _SHORTEST)[:16]}.marshal")
    try:
        words = marshal.loads(cache.read(name) or b"")
        if not (isinstance(words, tuple) and len(words) == 2
                and all(isinstance(part, frozenset) for part in words)):
            raise ValueError("not a word list")
    except (ValueError, EOFError, TypeError):
        words = _words_of(code)
        cache.write(name, marshal.dumps(words))
        cache.prune("wordlist-", 8 * MB)
    _LEXICONS[code] = words
    return words


def _words_of(code: str) -> tuple[frozenset[str], frozenset[str]]:
    import wordfreq

    lists = {other: wordfreq.get_frequency_dict(other, wordlist="large") for other in _COMPARED}
    others = [lists[other] for other in _COMPARED if other != code]
    margin, common, part = 10 ** -_MARGIN, 10 ** (_COMMON - 9), 10 ** (_PART - 9)
    parts = frozenset(word for word, frequency in lists[code].items()
                      if frequency >= part and len(word) >= _SHORTEST and word.isalpha())
    own = frozenset(word for word in parts if lists[code][word] >= common
                    and sum(other.get(word, 0) <= lists[code][word] * margin
                            for other in others) >= 2)
    return own, parts


def _known(word: str, words: tuple[frozenset[str], frozenset[str]]) -> bool:
    own, parts = words
    return word in own or _compound(word, parts, 0)


def _compound(word: str, parts: frozenset[str], depth: int) -> bool:
    """Two to four parts, each a word of the language (a joining s, e or en allowed)."""
    for cut in range(len(word) - _SHORTEST, _SHORTEST - 1, -1):
        head, tail = word[:cut], word[cut:]
        if any(head.endswith(link) and head[:len(head) - len(link)] in parts
               for link in _LINKS) and (
                tail in parts or depth < 2 and _compound(tail, parts, depth + 1)):
            return True
    return False
