"""reading.inflate: the one bounded inflater of Flate data from foreign and archived PDFs."""

import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kennisdag_pdf.reading import inflate
from kennisdag_pdf.units import MB


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=5000) | st.builds(lambda n, b: b * n, st.integers(0, 40_000),
                                                 st.binary(min_size=1, max_size=3)),
       limit=st.integers(0, 60_000), keep=st.booleans())
def test_inflate_gives_the_data_up_to_one_byte_past_the_limit(data, limit, keep):
    kept, size, complete = inflate(zlib.compress(data), limit, keep=keep)
    assert size == min(len(data), limit + 1)
    assert kept == (data[:limit + 1] if keep else b"")
    if len(data) <= limit:
        assert complete


@settings(max_examples=100, deadline=None)
@given(data=st.binary(min_size=1, max_size=20_000), cut=st.integers(1, 8))
def test_data_cut_short_is_never_complete(data, cut):
    packed = zlib.compress(data)
    try:
        kept, size, complete = inflate(packed[:-cut], len(data) + 10)
    except zlib.error:
        return  # the cut fell where zlib can tell at once: no Flate at all, also refused
    assert not complete
    assert data.startswith(kept)


def test_a_small_bomb_stops_at_the_limit_without_holding_it():
    bomb = zlib.compress(bytes(300 * MB), 9)  # 300 kB that claims 300 MB
    assert len(bomb) < MB
    kept, size, complete = inflate(bomb, 16 * MB, keep=False)
    assert (kept, size, complete) == (b"", 16 * MB + 1, False)
    kept, size, complete = inflate(bomb, 400 * MB, keep=False)
    assert (size, complete) == (300 * MB, True)


def test_what_is_no_flate_raises_zlib_error():
    with pytest.raises(zlib.error):
        inflate(b"plain text, not Flate", 100)
