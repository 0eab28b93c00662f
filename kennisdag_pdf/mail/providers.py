"""What the big mail providers' answers mean, in an organiser's words, and their pace.

Taken from the providers' own documentation as of December 2026 (Microsoft: "Exchange Online
limits", "Enable or disable SMTP AUTH", "Deprecation of Basic authentication in Exchange
Online", the non-delivery report pages for 5.7.3, 5.7.139, 5.2.252 and 5.1.8; Google: "Gmail
SMTP errors and codes", "Gmail sending limits in Google Workspace", "Sign in with app
passwords"). They cannot be tried from here: the codes are matched on the enhanced status
code (RFC 3463) or the words these providers put after it, and every other server's answer is
shown as it is.

A reading says what happened, what to do, and what it means for the run: `stop` (no message
can go out until the organiser changes something: the sign-in, the sender's rights), `pause`
(a daily limit: later, by running the same command again) or nothing (shown, and the run goes
on as the reply's code says). A recipient whose message was refused for a reason of the
sender's or the account's is never counted as refused for good: the same command mails them
once the cause is gone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Provider:
    name: str
    per_minute: float  # the default pace: what it documents, or what we chose and why
    pace: str  # why that pace, for --verbose and docs/mail.md


MICROSOFT = Provider("Microsoft 365", 30, "Exchange Online accepts at most 30 messages a "
                                          "minute from one mailbox")
GOOGLE = Provider("Google", 30, "Google documents daily limits for smtp.gmail.com (2,000 "
                                "messages a day from a Workspace account, 500 from a gmail.com "
                                "one) and no per-minute one; 30 a minute, as for Microsoft, "
                                "spreads a day's allowance over an hour or more instead of a "
                                "burst, which Gmail may answer with 421 4.7.0")
PROVIDERS = {
    "smtp.office365.com": MICROSOFT,
    "smtp-mail.outlook.com": MICROSOFT,
    "graph.microsoft.com": MICROSOFT,
    "smtp.gmail.com": GOOGLE,
}
# Gmail's documented daily limits, by the sender's domain: a gmail.com account is personal.
GMAIL_PERSONAL_PER_DAY = 500
GMAIL_WORKSPACE_PER_DAY = 2000


def provider_for(host: str | None) -> Provider | None:
    return PROVIDERS.get((host or "").lower().rstrip("."))


def daily_limit(host: str | None, sender: str) -> int | None:
    """The number of messages a day the provider documents for this sender, if known."""
    if provider_for(host) is not GOOGLE:
        return None
    personal = sender.lower().rpartition("@")[2] in ("gmail.com", "googlemail.com")
    return GMAIL_PERSONAL_PER_DAY if personal else GMAIL_WORKSPACE_PER_DAY


@dataclass(frozen=True)
class Reading:
    words: str  # what happened and what to do
    effect: str = ""  # "stop", "pause" or "" (see the module's docstring)
    token: bool = False  # a refused sign-in that a fresh token may mend (an expired one)


TOKEN_HINT = ("the token may have expired, be for another account than the one signing in, "
              "or lack the scope for sending mail (Microsoft: "
              "https://outlook.office.com/SMTP.Send; Google: https://mail.google.com/)")

# (pattern on the whole reply, its code first; the reading). First match wins.
_RULES: list[tuple[re.Pattern, Reading]] = [(re.compile(pattern, re.I), reading) for
                                            pattern, reading in [
    (r"\b5\.7\.30\b|basic authentication is not supported",
     Reading("Microsoft 365 no longer takes a password for sending (Basic authentication is "
             "off for SMTP): sign in with a token (--smtp-auth xoauth2 --token-command CMD) "
             "or send through Microsoft Graph (--via graph); see docs/mail.md", "stop")),
    (r"\b5\.7\.139\b",
     Reading("Microsoft 365 does not allow this sign-in for SMTP (SMTP AUTH is turned off "
             "for the mailbox or the organisation, or Security Defaults block it): an "
             "administrator can allow 'Authenticated SMTP' for the mailbox, or send through "
             "Microsoft Graph (--via graph)", "stop")),
    (r"\b5\.2\.252\b|SendAsDenied",
     Reading("the signed-in account may not send as the From address: an administrator can "
             "give it 'Send As' rights on that mailbox, or send from the account's own "
             "address (--from, or from: in mail.yaml)", "stop")),
    (r"\b5\.1\.8\b.*bad outbound sender",
     Reading("Microsoft 365 has blocked this account from sending (usually after it sent "
             "spam): an administrator must release it (Restricted entities, in Microsoft "
             "Defender)", "stop")),
    (r"^535 5\.7\.3\b",
     Reading("Microsoft 365 refused the sign-in: with a password, SMTP AUTH may be off for "
             "the mailbox (sign in with a token, --smtp-auth xoauth2, or use --via graph); with "
             "a token, it must be for https://outlook.office.com/SMTP.Send", "stop",
             token=True)),
    (r"^534 5\.7\.9\b|application-specific password",
     Reading("Google asks for an app password for this account: make one in the Google "
             "account (Security, App passwords; it needs 2-Step Verification) and put it in "
             "KENNISDAG_SMTP_PASSWORD, or sign in with a token (--smtp-auth xoauth2)", "stop")),
    (r"^535 5\.7\.8\b",
     Reading("the user name and password were not accepted: check --smtp-user (the whole "
             "address) and KENNISDAG_SMTP_PASSWORD (for Gmail an app password, not the "
             "account's own)", "stop", token=True)),
    (r"SubmissionQuotaExceeded",
     Reading("Microsoft 365's daily limit for this mailbox is reached (10,000 recipients a "
             "day): run the same command again tomorrow; whoever is not mailed yet waits in "
             "the journal", "pause")),
    (r"\b5\.4\.5\b",
     Reading("Gmail's daily sending limit for this account is reached (2,000 messages a day "
             "from Workspace, 500 from gmail.com): run the same command again in 24 hours; "
             "whoever is not mailed yet waits in the journal", "pause")),
    (r"\b4\.3\.2\b.*(thread|concurrent)|\b4\.4\.2\b.*rate|submission rate",
     Reading("Microsoft 365 is holding back this mailbox's sending (at most 30 messages a "
             "minute): the run waits and tries again; a lower --rate avoids it")),
    (r"^421 4\.7\.0\b",
     Reading("the server turns the connection away for now (Gmail does so after too many "
             "messages or connections in a short time): the run waits and tries again; a "
             "lower --rate avoids it")),
    (r"^454 4\.7\.0\b",
     Reading("the server cannot check the sign-in right now, or saw too many attempts: "
             "the run tries again later", token=True)),
]]


def read_reply(reply: str) -> Reading | None:
    """The plain words for a server's answer ("550 5.7.30 …"), if it is one we know."""
    for pattern, reading in _RULES:
        if pattern.search(reply):
            return reading
    return None


def explained(reply: str) -> str:
    """The reply and, when known, what it means: one line."""
    reading = read_reply(reply)
    return f"{reply}: {reading.words}" if reading else reply
