"""Run a command with DATABASE_URL / REDIS_URL set for tests: `python scripts/test_env.py CMD...`

Uses the same discovery as `make run`, but tests get their own Redis db (15 unless REDIS_URL is
set), because they empty it; pytest-django makes its own test_ database.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from services import find_services


def main() -> None:
    redis_was_set = "REDIS_URL" in os.environ
    found = find_services()
    redis_url, broker_url = found.redis_url, found.broker_url
    if not redis_was_set:
        if redis_url.startswith("unix://"):
            redis_url = redis_url.replace("?db=0", "?db=15")
            broker_url = f"{broker_url}?virtual_host=15"
        else:
            redis_url = broker_url = redis_url.rsplit("/", 1)[0] + "/15"
    env = {
        **os.environ,
        "DATABASE_URL": found.database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", broker_url),
    }
    if found.keep_alive:
        # Embedded servers live in this process: run the command as a child, not exec.
        import subprocess

        sys.exit(subprocess.call(sys.argv[1:], env=env))
    os.execvpe(sys.argv[1], sys.argv[1:], env)  # noqa: S606 - argv is ours


if __name__ == "__main__":
    main()
