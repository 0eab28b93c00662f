"""Sizes and lengths as the tool counts and shows them: bytes in binary units, points and mm.

Light on purpose (the standard library only): the mail journal, the command line's option
parsing and the preflight all need these without loading ReportLab.
"""

from __future__ import annotations

KB = 1024
MB = 1024 * KB

# Computed as ReportLab computes its own `mm` (inch / 2.54 * 0.1), so that a length written
# here is the very float ReportLab would have given and the PDFs keep their bytes.
INCH = 72.0
MM = INCH / 2.54 * 0.1


def to_mm(points: float) -> float:
    return points / MM


def human_size(n: int) -> str:
    """Bytes as a reader wants them: '483 kB', '2.0 MB' (the units parse_size reads)."""
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / KB:.0f} kB"


def parse_size(text: str) -> int:
    """'2MB', '500 kB', '1.5 MB', '800000' → bytes (binary units, as file managers show)."""
    units = {"": 1, "b": 1, "kb": KB, "k": KB, "mb": MB, "m": MB}
    cleaned = text.strip().lower().replace(" ", "")
    number = cleaned.rstrip("kmb")
    unit = cleaned[len(number):]
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"'{text}' is not a size such as 2MB or 500kB") from None
    if unit not in units or value <= 0:
        raise ValueError(f"'{text}' is not a size such as 2MB or 500kB")
    return int(value * units[unit])
