"""Log filters: task/job context on every line, and secrets masked before they are written."""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

job_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("job_id", default="-")

_SECRET_PATTERNS = [
    # API keys (AIza...), OAuth access/refresh tokens (ya29..., 1//...), bearer headers, key=.
    re.compile(r"(AIza[0-9A-Za-z_\-]{4})[0-9A-Za-z_\-]{8,}"),
    re.compile(r"(ya29\.[0-9A-Za-z_\-]{2})[0-9A-Za-z_\-.]{8,}"),
    re.compile(r"(1//[0-9A-Za-z_\-]{2})[0-9A-Za-z_\-]{8,}"),
    re.compile(r"((?:key|access_token|refresh_token|client_secret|code)=)[^&\s\"']+"),
    re.compile(r"((?:Bearer|bearer) )[0-9A-Za-z_\-.~+/]+=*"),
    # Our own API's tokens (DRF authtoken: 40 hex digits) in an Authorization header.
    re.compile(r"(\bToken [0-9a-f]{4})[0-9a-f]{36}\b"),
]


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1***", text)
    return text


@contextmanager
def job_context(job_id: int | str) -> Iterator[None]:
    token = job_id_var.set(str(job_id))
    try:
        yield
    finally:
        job_id_var.reset(token)


class ContextFilter(logging.Filter):
    """Adds task_id (from the running Celery task) and job_id (from job_context)."""

    def filter(self, record: logging.LogRecord) -> bool:
        task_id = "-"
        try:
            from celery import current_task

            if current_task and current_task.request and current_task.request.id:
                task_id = current_task.request.id
        except Exception:
            task_id = "-"
        record.task_id = getattr(record, "task_id", task_id)
        record.job_id = getattr(record, "job_id", job_id_var.get())
        return True


class RedactSecretsFilter(logging.Filter):
    """Masks API keys and tokens in the final message, whoever logged them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
