"""Mailing the screen brochure to every participant: personal, resumable, never twice.

    recipients.py  the CSV of names and addresses, every row checked before anything is sent
    settings.py    mail.yaml beside the CSV: sender, Reply-To, texts per language
    texts.py       the built-in subject and body per language (MAIL_TEXTS)
    headers.py     our own header-injection checks (not left to the standard library)
    message.py     one MIME message per recipient, with a Message-ID that marks a duplicate
    outbox.py      the dry run: one .eml file per recipient, to open and check
    journal.py     the SQLite journal of who was sent what, committed before every step
    smtp.py        TLS that never falls back to plain text; one transaction, precisely judged
    oauth.py       access tokens (XOAUTH2, Graph) from a command or a variable, renewed
    signin.py      `login microsoft` (MSAL), `login google` (google-auth-oauthlib) and
                   `logout`; which kept sign-in a mailing uses, and its tokens
    keep.py        where a sign-in is kept: the system keyring, else a 0600 file
    providers.py   Microsoft's and Google's answers in plain words; their pace and limits
    graph.py       Microsoft Graph's sendMail as a transport, judged as SMTP is
    deliver.py     the send loop: pacing, retries with backoff, pausing, crash points
    run.py         one run of `mail`, from one Options: status, dry run or mailing

Only the CLI prints; these modules raise errors.KennisdagError subclasses and return values.
Addresses live in the CSV, mail.yaml and the options, never in the event file, so they never
reach a printed or archived PDF.
"""

# The ways to talk to the server (--tls) and the port each uses when --smtp-port is not given:
# here, not in smtp.py, so that the command line can list them without importing ssl.
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
