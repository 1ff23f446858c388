"""The one kind of failure a user sees: a line that says what, where, and what to do."""

from __future__ import annotations


class PinbanError(Exception):
    """A user-facing error: content problems exit 1, usage problems exit 2."""

    exit_code = 1

    def __init__(self, message: str, where: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} (hint: {self.hint})" if self.hint else text


class UsageError(PinbanError):
    exit_code = 2
