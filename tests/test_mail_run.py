"""One run of `mail` from one options object, without the command line (mail/run.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kennisdag_pdf.errors import EXIT_DELIVERY_INCOMPLETE, BadInput
from kennisdag_pdf.mail.run import Options, Voice, run


@pytest.mark.parametrize("changes, message", [
    ({"status": True, "send": True}, "--status: only reports; leave out --send"),
    ({"status": True, "smtp_host": "mail.example.org"},
     "--status: only reports; leave out --smtp-host"),
    ({"new_mailing": True}, "--new-mailing: only with --send"),
])
def test_options_that_do_not_go_together_are_refused_before_anything_is_read(
        tmp_path, changes, message):
    options = Options(event_file=tmp_path / "missing.yaml",
                      recipients=tmp_path / "missing.csv", **changes)
    with pytest.raises(BadInput) as caught:
        run(options)
    assert caught.value.lines() == [message]


def test_the_status_of_an_empty_journal_speaks_through_the_voice(tmp_path):
    from kennisdag_pdf.mail.journal import Journal

    journal = tmp_path / "r.journal.sqlite"
    with Journal.open(journal):
        pass
    said, warned = [], []
    code = run(Options(event_file=Path("x.yaml"), recipients=tmp_path / "r.csv", status=True,
                       journal=journal), Voice(say=said.append, warn=warned.append))
    assert code == EXIT_DELIVERY_INCOMPLETE  # nobody has the brochure yet
    assert len(said) == 1 and said[0].endswith("r.journal.sqlite: no mailing has begun")
    assert warned == []
