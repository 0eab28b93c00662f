"""Hyphenation for ReportLab: pyphen's dictionaries, but names stay whole.

Dutch (and English) typography does not break proper names ('Berlusco-ni'); a capitalised word
is broken only at a hyphen it already has ('T-|Mobile', 'Zuid-|Limburg'). A sentence's first
word is capitalised too and is kept whole as well, which costs little.
"""

from __future__ import annotations

from collections.abc import Iterable


class Hyphenator:
    """A callable for ParagraphStyle.hyphenationLang: word → (head, tail) pairs, longest first."""

    def __init__(self, language: str) -> None:
        import pyphen

        self.language = language
        self._dictionary = pyphen.Pyphen(lang=language)

    def __call__(self, word: str) -> Iterable[tuple[str, str]]:
        if word[:1].isupper():
            return [(word[:i + 1], word[i + 1:]) for i in range(len(word) - 2, 0, -1)
                    if word[i] == "-"]
        return self._dictionary.iterate(word)

    def __repr__(self) -> str:  # shown in ReportLab's style dumps
        return f"Hyphenator({self.language!r})"
