"""Crash points for the durability tests: RETURNS_HUB_FAILPOINT=name kills this process at that point.

The fault tests need a worker to die exactly between two writes (after the file, before the commit;
after the commit, before the ack). Unset in production, each call is one dictionary lookup.
"""

import os
import signal

_ARMED = os.environ.get("RETURNS_HUB_FAILPOINT", "")


def failpoint(name: str) -> None:
    if _ARMED and _ARMED == name:
        os.kill(os.getpid(), signal.SIGKILL)
