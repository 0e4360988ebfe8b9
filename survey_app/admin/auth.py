"""Signing in and out of the console, with throttling of repeated failures.

Failed sign-ins are counted per (email, address), per address and per email, in
``sign_in_counts`` over a fixed window. An address that keeps failing on one account is
stopped after ``PAIR_FAILURES``, as before; an address that has failed on an account that
has failed ``ACCOUNT_FAILURES`` times (from anywhere) is stopped too. An address that has
not failed still gets its try, so guessing from elsewhere cannot lock the owner out.
Each attempt is counted atomically before its password is checked.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import RequestLimit
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from survey_db.models import Organiser, utcnow
from survey_db.models.accounts import SignInCount

from ..db import begin_write, get_session, reads_first
from ..extensions import limiter, start_console_session
from ..passwords import hash_password, needs_rehash, verify_nobody, verify_password
from ..texts import gettext as _
from . import audit, bp
from .access import organiser
from .forms import LoginForm

#: Failed sign-ins are counted over this window, from the first one ...
THROTTLE_WINDOW = timedelta(minutes=15)
#: ... and stop one address on one account when they reach this many,
PAIR_FAILURES = 5
#: ... or one address when it reaches this many over any emails,
ADDRESS_FAILURES = 20
#: ... or, on an account with this many from anywhere, every address that has failed on it.
ACCOUNT_FAILURES = 5
#: Sign-in posts per client address, whatever their outcome.
LOGIN_RATE = "20 per minute"


def _count(db: Session, key: str) -> int:
    """Add one attempt under ``key`` and return the window's count, in one atomic statement."""
    now = utcnow()
    expired = SignInCount.window_started < now - THROTTLE_WINDOW
    dialect = sqlite if db.get_bind().dialect.name == "sqlite" else postgresql
    key = key[: SignInCount.key.type.length]  # an address from a proxy can be any length
    statement = dialect.insert(SignInCount).values(key=key, window_started=now, attempts=1)
    statement = statement.on_conflict_do_update(
        index_elements=[SignInCount.key],
        set_={
            "attempts": case((expired, 1), else_=SignInCount.attempts + 1),
            "window_started": case((expired, now), else_=SignInCount.window_started),
        },
    ).returning(SignInCount.attempts)
    return db.execute(statement).scalar_one()


def _keys(email: str, address: str) -> tuple[str, str, str]:
    return f"pair {email} {address}", f"address {address}", f"account {email}"


def count_attempt(db: Session, email: str, address: str) -> bool:
    """Count a sign-in attempt before its password is checked; True if it must be refused.

    Counts whose window has passed are dropped first, so the table holds only the last window.
    """
    cutoff = utcnow() - THROTTLE_WINDOW
    db.execute(delete(SignInCount).where(SignInCount.window_started < cutoff))
    pair_key, address_key, account_key = _keys(email, address)
    pair = _count(db, pair_key)
    by_address = _count(db, address_key)
    by_account = _count(db, account_key)
    return (
        pair > PAIR_FAILURES
        or by_address > ADDRESS_FAILURES
        or (by_account > ACCOUNT_FAILURES and pair > 1)
    )


def forgive_attempt(db: Session, email: str, address: str) -> None:
    """A successful sign-in starts the account's counts afresh and takes back the address's."""
    pair_key, address_key, account_key = _keys(email, address)
    db.execute(delete(SignInCount).where(SignInCount.key.in_([pair_key, account_key])))
    db.execute(
        update(SignInCount)
        .where(SignInCount.key == address_key, SignInCount.attempts > 0)
        .values(attempts=SignInCount.attempts - 1)
    )


def authenticate(db: Session, email: str, password: str) -> Organiser | None:
    """The enabled organiser with this email and password, else None, in equal time.

    An unknown email is checked against a dummy hash so it answers as slowly as a known one.
    """
    account = db.scalar(select(Organiser).where(Organiser.email == email))
    if account is None:
        verify_nobody(password)
        return None
    if not verify_password(account.password_hash, password) or not account.enabled:
        return None
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return account


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _log_rate_limit(limit: RequestLimit) -> None:
    current_app.logger.warning(
        "sign-in rate limit %s reached by %s", limit.limit, request.remote_addr
    )
    audit.record_apart("login_throttled", address=request.remote_addr or "", limit=str(limit.limit))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_RATE, methods=["POST"], on_breach=_log_rate_limit)
@reads_first
def login() -> ResponseReturnValue:
    """Sign in and go where the organiser was heading.

    The attempt is counted and committed before the password is checked, and no write
    lock is held while the (deliberately slow) hash is computed.
    """
    target = safe_next(request.args.get("next")) or url_for("admin.home")
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("admin/login.html", form=form)
    db = get_session()
    email, address = form.email.data, request.remote_addr or ""
    begin_write(db)
    if count_attempt(db, email, address):
        audit.record(db, "login_throttled", email=email, address=address)
        db.commit()
        message = _("Too many failed sign-ins. Please wait 15 minutes and try again.")
        return render_template("admin/login.html", form=form, message=message), 429
    db.commit()
    account = authenticate(db, email, form.password.data)
    begin_write(db)
    if account is None:
        audit.record(db, "login_failed", email=email, address=address)
        db.commit()
        message = _("The email or the password is not right.")
        return render_template("admin/login.html", form=form, message=message)
    forgive_attempt(db, email, address)
    login_user(account, remember=False)
    start_console_session()
    audit.record(db, "login", organiser=account, email=email, address=address)
    db.commit()
    return redirect(target)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    """Sign out: every session of the account ends, on this device and any other.

    A POST, so another site cannot sign anyone out. The session id in every cookie carries
    the account's session generation; bumping it makes every saved copy of a cookie useless.
    """
    db = get_session()
    account = organiser()
    account.session_generation += 1
    audit.record(db, "logout", organiser=account)
    db.commit()
    logout_user()
    flash(_("You have signed out."))
    return redirect(url_for("admin.login"))
