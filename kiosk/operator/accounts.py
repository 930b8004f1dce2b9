"""Local operator accounts: scrypt password hashes and a lock-out after repeated failures, in one JSON file.

The file (mode 0600) holds, per account, the scrypt parameters, salt and hash, the count of
consecutive failed logins and, once that reaches `MAX_FAILURES`, when the lock-out ends. It is
rewritten atomically on every change, so a crash never leaves half an account.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from kiosk.errors import KioskError

MAX_FAILURES = 5
MIN_PASSWORD_CHARS = 10
NAME = re.compile(r"[a-z][a-z0-9_.-]{1,31}")
# scrypt at n=2**14, r=8, p=1 (16 MiB, ~50 ms here): the interactive-login parameters of RFC 7914 §2.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


class AccountError(KioskError, ValueError):
    pass


@dataclass(frozen=True)
class Account:
    name: str
    salt: str  # hex
    password_hash: str  # hex
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P
    failures: int = 0
    locked_until: float = 0.0  # epoch seconds; 0 = not locked


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    reason: str  # "ok", "wrong-password", "unknown-account", "locked"
    locked_now: bool = False  # this failure locked the account


def _hash(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


class AccountStore:
    def __init__(self, path: Path, lockout_s: float) -> None:
        self.path = path
        self._lockout_s = lockout_s

    def add(self, name: str, password: str) -> None:
        if not NAME.fullmatch(name):
            raise AccountError(f"operator name {name!r}: expected 2–32 lower-case letters, digits, '.', '_' or '-', starting with a letter")
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"password for {name!r}: {len(password)} characters (expected at least {MIN_PASSWORD_CHARS})")
        accounts = self._load()
        if name in accounts:
            raise AccountError(f"operator {name!r} exists already (expected a new name)")
        salt = secrets.token_bytes(16)
        accounts[name] = Account(name, salt.hex(), _hash(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P).hex())
        self._save(accounts)

    def unlock(self, name: str) -> None:
        accounts = self._load()
        if name not in accounts:
            raise AccountError(f"operator {name!r}: no such account in {self.path}")
        accounts[name] = replace(accounts[name], failures=0, locked_until=0.0)
        self._save(accounts)

    def names(self) -> list[str]:
        return sorted(self._load())

    def check(self, name: str, password: str, now: float) -> LoginResult:
        """Verify a login; counts failures and locks the account for `lockout_s` after `MAX_FAILURES`."""
        accounts = self._load()
        account = accounts.get(name)
        if account is None:
            _hash(password, b"\0" * 16, SCRYPT_N, SCRYPT_R, SCRYPT_P)  # the same work, so timing does not tell names apart
            return LoginResult(False, "unknown-account")
        computed = _hash(password, bytes.fromhex(account.salt), account.n, account.r, account.p)  # before the lock-out, so timing does not tell locked accounts apart
        if account.locked_until > now:
            return LoginResult(False, "locked")
        if hmac.compare_digest(computed.hex(), account.password_hash):
            accounts[name] = replace(account, failures=0, locked_until=0.0)
            self._save(accounts)
            return LoginResult(True, "ok")
        failures = account.failures + 1
        locked = failures >= MAX_FAILURES
        accounts[name] = replace(account, failures=0 if locked else failures, locked_until=now + self._lockout_s if locked else 0.0)
        self._save(accounts)
        return LoginResult(False, "wrong-password", locked_now=locked)

    def _load(self) -> dict[str, Account]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {name: Account(**fields) for name, fields in data.items()}
        except (OSError, ValueError, TypeError) as err:
            raise AccountError(f"operator accounts file {self.path}: unreadable ({err}; expected the JSON that 'kiosk operator add' writes)") from err

    def _save(self, accounts: dict[str, Account]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({name: asdict(account) for name, account in sorted(accounts.items())}, indent=1)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".accounts-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
