"""What a doctor check answers, and the one place secrets are blanked out of that answer.

Every check returns a `CheckResult`; the report prints them and derives the exit code. A check
never prints and never raises for the condition it diagnoses: a failure is a result, so one
broken thing cannot hide the checks after it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

MIN_SECRET_LENGTH: Final = 4
"""Shorter "passwords" would blank out ordinary words (the extractor's rule, too)."""
REDACTED: Final = "********"
_URL_USERINFO = re.compile(r"(?<=://)[^/@\s'\"]+@")


class Verdict(StrEnum):
    """OK and WARN keep the exit code 0; FAIL makes it 1; SKIP follows a failed prerequisite."""

    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True)
class CheckResult:
    """One line of the report: what was checked, the verdict, what was found, how to fix it."""

    name: str
    verdict: Verdict
    message: str
    fix: str | None = None

    def redacted(self, redact: Redactor) -> CheckResult:
        return CheckResult(
            self.name,
            self.verdict,
            redact(self.message),
            None if self.fix is None else redact(self.fix),
        )

    def as_dict(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "verdict": self.verdict.value,
            "message": self.message,
            "fix": self.fix,
        }


def skipped(name: str, why: str) -> CheckResult:
    """A check that could not run because an earlier one failed; not a failure itself."""
    return CheckResult(name, Verdict.SKIP, f"skipped: {why}")


class Redactor:
    """Blanks out the API password, its Basic-auth token and URL userinfo in any text.

    Servers, proxies and error messages may echo them; doctor output is pasted into tickets.
    """

    def __init__(self, passwords: Iterable[str] = (), api_ids: Iterable[str] = ()) -> None:
        ids = sorted({i for i in api_ids if i})
        forms: set[str] = set()
        for password in passwords:
            if len(password) < MIN_SECRET_LENGTH:
                continue
            forms.add(password)
            for api_id in ids:
                forms.add(base64.b64encode(f"{api_id}:{password}".encode()).decode("ascii"))
        # Longest first, so a token that contains the password is replaced whole.
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, REDACTED)
        return _URL_USERINFO.sub(f"{REDACTED}@", text)


def shorten(text: str, redact: Redactor, limit: int = 300) -> str:
    """First line of `text`, redacted *before* it is cut so no prefix of a secret survives."""
    lines = redact(text).strip().splitlines()
    first = lines[0] if lines else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"
