"""Login throttling: lockout per account and per client address after repeated failures.

Without it a password could be guessed at the speed of scrypt (about 22 guesses a second), each
guess adding an audit row. Now an account locks after ``LOGIN_MAX_FAILURES`` failures within
``LOGIN_WINDOW_SECONDS`` and a client address after ``LOGIN_MAX_FAILURES_PER_CLIENT`` (whatever the
user names it tries); a locked caller gets 429 with ``Retry-After`` before any password is checked.

The audit log stays bounded: failures are audited one by one only until the lock (so at most the
threshold per window), the lock itself is one event, and the guesses refused while locked are only
counted and written as one summary event when the lock has expired.

State is in memory, per API process (bounded to ``capacity`` keys, least recently used dropped):
a restart clears it, and with several processes each enforces the limits on its own.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

AuditEvent = tuple[str, dict[str, Any]]


@dataclass(slots=True)
class _State:
    failures: int = 0
    window_start: float = 0.0
    locked_until: float = 0.0
    refused: int = 0


class LoginThrottle:
    def __init__(
        self,
        *,
        max_account: int,
        max_client: int,
        window_s: float,
        lockout_s: float,
        capacity: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {"account": max_account, "client": max_client}
        self.window_s = window_s
        self.lockout_s = lockout_s
        self.capacity = capacity
        self.clock = clock
        self._states: OrderedDict[tuple[str, str], _State] = OrderedDict()
        self._lock = threading.Lock()

    def _get(self, scope: str, key: str) -> _State:
        k = (scope, key)
        st = self._states.get(k)
        if st is None:
            st = self._states[k] = _State()
            while len(self._states) > self.capacity:
                self._states.popitem(last=False)
        else:
            self._states.move_to_end(k)
        return st

    def gate(self, username: str, client: str) -> tuple[float | None, list[AuditEvent]]:
        """Before checking a password: seconds to wait if either key is locked, plus summary
        events for locks that have just expired."""
        now, wait, events = self.clock(), None, []
        with self._lock:
            for scope, key in (("account", username), ("client", client)):
                st = self._get(scope, key)
                if st.locked_until > now:
                    st.refused += 1
                    wait = max(wait or 0.0, st.locked_until - now)
                elif st.locked_until:
                    events.append(
                        ("login.lockout_ended", {"scope": scope, "key": key, "refused": st.refused})
                    )
                    self._states[(scope, key)] = _State()
        return wait, events

    def failure(self, username: str, client: str) -> list[AuditEvent]:
        """After a wrong password: the events to audit (a failure, or the lock it triggers)."""
        now, events = self.clock(), []
        with self._lock:
            locked = []
            count = 0
            for scope, key in (("account", username), ("client", client)):
                st = self._get(scope, key)
                if now - st.window_start > self.window_s:
                    st.failures, st.window_start = 0, now
                st.failures += 1
                count = max(count, st.failures)
                if st.failures >= self.limits[scope]:
                    st.locked_until, st.refused = now + self.lockout_s, 0
                    locked.append(scope)
            if locked:
                for scope in locked:
                    events.append(
                        (
                            "login.locked",
                            {
                                "scope": scope,
                                "failures": self.limits[scope],
                                "lockout_s": self.lockout_s,
                            },
                        )
                    )
            else:
                events.append(("login.failed", {"failures": count}))
        return events

    def success(self, username: str) -> None:
        """A correct password resets the account's count (not the client's: a guesser who also
        owns one account must not clear its address's record by logging in)."""
        with self._lock:
            self._states.pop(("account", username), None)
