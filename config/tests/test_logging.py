from __future__ import annotations

import logging

from config.logging import ContextFilter, RedactSecretsFilter, job_context, redact


def test_api_keys_and_tokens_are_masked():
    line = (
        "GET /youtube/v3/videos?key=AIzaSyA1234567890abcdefghijk&id=x "
        "Authorization: Bearer ya29.a0AfH6SMBxyzxyzxyz refresh 1//0gLongRefreshToken"
    )
    cleaned = redact(line)
    assert "AIzaSyA1234567890abcdefghijk" not in cleaned
    assert "ya29.a0AfH6SMBxyzxyzxyz" not in cleaned
    assert "1//0gLongRefreshToken" not in cleaned
    assert "id=x" in cleaned


def test_log_records_carry_job_context_and_no_secret(caplog):
    logger = logging.getLogger("tubeindex.test")
    handler = caplog.handler
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactSecretsFilter())
    with job_context(42), caplog.at_level(logging.INFO):
        logger.info("calling with key=%s", "AIzaSyVerySecretKey123456")
    record = caplog.records[-1]
    assert record.job_id == "42"
    assert record.task_id == "-"
    assert "AIzaSyVerySecretKey123456" not in record.getMessage()


def test_the_dev_servers_access_log_masks_the_sign_in_code():
    # runserver logs each request's URL; Google's callback carries the authorization code.
    logger = logging.getLogger("django.server")
    line = (
        '"GET /auth/google/callback/?state=s1&code=4/0AdzNcHf5HIFa8BFxPHm&scope=x HTTP/1.1" 302 0'
    )
    record = logger.makeRecord(
        "django.server", logging.INFO, __file__, 1, "%s", (line,), None, extra={"status_code": 302}
    )
    written = [h.format(record) for h in logger.handlers if h.filter(record)]
    assert written
    for text in written:
        assert "4/0AdzNcHf5HIFa8BFxPHm" not in text
        assert "code=***&scope=x HTTP/1.1" in text


def test_our_api_tokens_in_an_authorization_header_are_masked():
    key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    cleaned = redact(f"request headers: Authorization: Token {key}")
    assert key not in cleaned and "Token 9944***" in cleaned
    assert redact("Token has been expired or revoked.") == "Token has been expired or revoked."
