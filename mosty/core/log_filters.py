"""Logging filters that keep personal data out of logs.

Threat: logs are copied, shipped and kept far longer than the database, by people who never think of them as
sensitive. An exception message can carry whatever value was being handled (a name, a birth date), so
tracebacks keep their frames (file, line, function) but lose the exception's message and any arguments.
"""

from __future__ import annotations

import logging
import traceback


class RedactExceptionMessages(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _exc, tb = record.exc_info
            frames = "".join(traceback.format_tb(tb))
            record.exc_text = f"Traceback (most recent call last):\n{frames}{exc_type.__name__}: [message redacted]"
            record.exc_info = None
        return True
