"""Hub accounts: web login → users. Werkzeug scrypt hashes, one role per user; every change audited."""

from __future__ import annotations

import hashlib
import re
import sqlite3

from sqlite_utils.migrations import Migrations
from werkzeug.security import check_password_hash, generate_password_hash

from central import audit
from central import db as hubdb
from edge import wire

migrations = Migrations("returnsdesk-hub-users")

# buyer: claims and redacted photos; warehouse: returns, linking and raw photos; fleet: kiosks; admin: all.
ROLES = ("buyer", "warehouse", "fleet", "admin")
MIN_PASSWORD = 10
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
# Checked against when a name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class UserError(ValueError):
    """A user request that cannot be carried out; the message says why."""


@migrations()
def m001_users(db):
    db.execute(
        """CREATE TABLE users (
            username TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,
            created_at TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0
        )"""
    )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password must be at least {MIN_PASSWORD} characters")


def add_user(conn: sqlite3.Connection, username: str, role: str, password: str, actor: str = "cli") -> None:
    if not _NAME.match(username):
        raise UserError("username: 2-40 characters, lower-case letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    _check_password(password)
    with hubdb.write(conn):
        if conn.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
            raise UserError(f"user {username!r} already exists")
        conn.execute("INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                     (username, generate_password_hash(password, method="scrypt"), role, wire.utcnow()))
        audit.record(conn, actor, "user.add", "user", username, after={"role": role})


def set_password(conn: sqlite3.Connection, username: str, password: str, actor: str = "cli") -> None:
    _check_password(password)
    with hubdb.write(conn):
        cur = conn.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                           (generate_password_hash(password, method="scrypt"), username))
        if cur.rowcount == 0:
            raise UserError(f"no user {username!r}")
        audit.record(conn, actor, "user.passwd", "user", username)


def get_user(conn: sqlite3.Connection, username: str) -> dict | None:
    """The account, with `stamp`: a digest of its password hash, kept in the session so that a new
    password ends every session signed in with the old one."""
    row = conn.execute("SELECT username, role, disabled, password_hash FROM users WHERE username = ?",
                       (username,)).fetchone()
    if not row or row["disabled"]:
        return None
    user = dict(row)
    user["stamp"] = hashlib.sha256(user.pop("password_hash").encode()).hexdigest()[:16]
    return user


def verify(conn: sqlite3.Connection, username: str, password: str) -> dict | None:
    """The user if the password matches; the same work is done for unknown names."""
    row = conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
    ok = check_password_hash(row["password_hash"] if row else _DUMMY_HASH, password)
    if not (row and ok) or row["disabled"]:
        return None
    return get_user(conn, username)


def list_users(conn: sqlite3.Connection) -> list[dict]:
    return [dict(r) for r in conn.execute("SELECT username, role, created_at, disabled FROM users ORDER BY username")]
