"""Access tokens for signing in with OAuth2 (XOAUTH2 over SMTP, Microsoft Graph).

A token comes from a command that prints one (--token-command, as msmtp's passwordeval: `az`,
`oama`, `gcloud` or a password manager), failing that from an environment variable, and
failing that from the tool's own sign-in (signin.py: `kennisdag-pdf login microsoft` or
`login google`). All three are TokenProviders: a provider is asked for a token once per
sign-in and asked to renew it when the server refused it (an access token lives about an hour;
a mailing can take longer); smtp.py and graph.py do not know which one they were given.

A token is a bearer secret: it is never put into an exception, a log line, the journal or the
outbox. The command is run without a shell (shlex-split), so that nothing in it is expanded
twice, and only its program's name is ever shown, since its arguments may name a vault item.
"""

from __future__ import annotations

import base64
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Protocol

from ..errors import EXIT_BAD_INPUT, KennisdagError

TOKEN_COMMAND_TIMEOUT = 120.0  # seconds: a helper may open a browser for a fresh sign-in
MAX_TOKEN = 16 * 1024  # bytes: Microsoft's and Google's access tokens are 1-4 kB
# Printable ASCII without spaces: a space, \x01 or a line break would change the SASL string
# the token is put into, and no provider issues such a token.
_TOKEN = re.compile(r"[\x21-\x7e]+")


class TokenUnavailable(KennisdagError):
    """No token could be had (the command failed, printed nothing, the variable is unset), or
    the one that can be had was refused: no retry within this run would help."""

    exit_code = EXIT_BAD_INPUT


class TokenProvider(Protocol):
    """Where the access tokens of one run come from."""

    source: str  # for messages: "--token-command oama", "KENNISDAG_SMTP_TOKEN"
    can_renew: bool  # whether asking again can give another token

    def token(self) -> str:
        """The current token, fetched on first use."""

    def renew(self) -> str:
        """A fresh token after the server refused the current one; TokenUnavailable when none
        can be had or when it is the one refused."""


class CommandToken:
    """The first line of what a command prints, fetched again when renewed."""

    can_renew = True

    def __init__(self, command: str, origin: str = "--token-command") -> None:
        try:
            self.argv = shlex.split(command)
        except ValueError as exc:
            raise TokenUnavailable(f"{origin}: cannot be read as a command: {exc}") from None
        if not self.argv:
            raise TokenUnavailable(f"{origin}: is empty")
        self.origin = origin
        self.program = Path(self.argv[0]).name
        self.source = f"{origin} ({self.program})"
        self._current: str | None = None

    def token(self) -> str:
        if self._current is None:
            self._current = self._run()
        return self._current

    def renew(self) -> str:
        refused, self._current = self._current, self._run()
        if self._current == refused:
            raise TokenUnavailable(f"{self.source} printed the same token again: sign in "
                                   f"again with that tool")
        return self._current

    def _run(self) -> str:
        try:
            done = subprocess.run(self.argv, capture_output=True, stdin=subprocess.DEVNULL,
                                  timeout=TOKEN_COMMAND_TIMEOUT, check=False)
        except FileNotFoundError:
            raise TokenUnavailable(f"{self.origin}: cannot run '{self.program}': no such "
                                   f"program (give its full path, or install it)") from None
        except PermissionError:
            raise TokenUnavailable(f"{self.origin}: cannot run '{self.program}': not "
                                   f"allowed to (is it executable?)") from None
        except subprocess.TimeoutExpired:
            raise TokenUnavailable(f"{self.origin}: '{self.program}' printed no token within "
                                   f"{TOKEN_COMMAND_TIMEOUT:.0f} s") from None
        except OSError as exc:
            raise TokenUnavailable(f"{self.origin}: cannot run '{self.program}': "
                                   f"{exc.strerror or exc}") from None
        if done.returncode != 0:
            said = _first_line(done.stderr)  # never stdout: that is where a token would be
            raise TokenUnavailable(
                f"{self.origin}: '{self.program}' failed (exit {done.returncode})"
                + (f": '{said}'" if said else "") + "; run it yourself to see why (a sign-in "
                "may have expired)")
        token = _first_line(done.stdout, quote=False, limit=MAX_TOKEN + 1)
        return _checked(token, f"{self.origin}: '{self.program}'", "printed")


class EnvironmentToken:
    """A token put in an environment variable before the run; read again when renewed, which
    in a running process finds the same one: the organiser must set a fresh one."""

    can_renew = False

    def __init__(self, variable: str, environ=os.environ, login: str | None = None) -> None:
        self.variable = variable
        self.source = variable
        self.environ = environ
        self.login = login  # the sign-in that would serve instead, for the "not set" line
        self._current: str | None = None

    def token(self) -> str:
        if self._current is None:
            self._current = self._read()
        return self._current

    def renew(self) -> str:
        refused, self._current = self._current, self._read()
        if self._current == refused:
            raise TokenUnavailable(f"{self.variable} cannot be renewed during a run: put a "
                                   f"fresh token in it, or give --token-command")
        return self._current

    def _read(self) -> str:
        value = self.environ.get(self.variable, "")
        if not value.strip():
            raise TokenUnavailable(f"{self.variable}: not set; give --token-command CMD (a "
                                   f"command that prints an access token) or set it"
                                   + (f", or sign in: {self.login}" if self.login else ""))
        return _checked(value.strip(), self.variable, "holds")


def token_provider(command: str | None, variable: str, *, origin: str = "--token-command",
                   environ=os.environ, signed_in=None, login: str | None = None
                   ) -> TokenProvider:
    """The command when one is given, else the environment variable when set, else what
    signed_in() gives: the tool's own sign-in (signin.stored_sign_in, which imports this
    module) when one is kept, or None; with none of them, the variable, whose absence is then
    the message, naming `login` (signin.login_hint) as the other way."""
    if command:
        return CommandToken(command, origin)
    if signed_in is not None and not environ.get(variable, "").strip():
        kept = signed_in()
        if kept is not None:
            return kept
    return EnvironmentToken(variable, environ, login)


def xoauth2_response(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial client response, base64 (as Microsoft and Google define it)."""
    raw = f"user={user}\x01auth=Bearer {token}\x01\x01"
    return base64.b64encode(raw.encode("ascii")).decode("ascii")


def _checked(token: str, who: str, verb: str) -> str:
    if not token:
        raise TokenUnavailable(f"{who} {verb} no token")
    if len(token) > MAX_TOKEN or not _TOKEN.fullmatch(token):
        # Never quote it: it may be a token with a stray character, and so a secret.
        raise TokenUnavailable(f"{who} {verb} something that is not an access token (one line "
                               f"of printable characters without spaces, up to "
                               f"{MAX_TOKEN // 1024} kB)")
    return token


def _first_line(data: bytes, *, quote: bool = True, limit: int = 300) -> str:
    text = data[:limit * 4].decode("utf-8", "replace")
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    if quote:
        line = " ".join(line.split())[:200]
    return line[:limit]
