"""The failures of the linkage package, each with its own class.

They carry no personal data in their messages (line numbers and column names only), so a caller may log them.
The Django app maps them onto `mosty.core.exceptions`; this package does not import Django.
"""

from __future__ import annotations


class LinkageError(Exception):
    """Base class: something in the linkage package could not be done."""


class InputFileError(LinkageError):
    """An input file cannot be read, or its content breaks the CSV convention.

    `problems` lists each problem as "FILE:LINE: what", so every one can be fixed in one pass.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class DuplicateRecordError(InputFileError):
    """Two input rows share a (source, record_id)."""


class SecretError(LinkageError):
    """The secret for encodings is missing, unreadable or too short."""


class EncodingMismatchError(LinkageError):
    """Encoded files were made with different parameters (or are not encoded files)."""
