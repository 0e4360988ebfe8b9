"""Signing in and out of the console, with throttling of repeated failures.

Failures are counted from the audit log (``login_failed`` rows), so the throttle needs no
table of its own and holds across processes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import RequestLimit
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_db.models import AuditEntry, Organiser, utcnow

from ..db import get_session
from ..extensions import limiter
from ..passwords import hash_password, needs_rehash, verify_nobody, verify_password
from ..texts import gettext as _
from . import audit, bp
from .access import organiser
from .forms import LoginForm

#: Failed sign-ins counted over this window ...
THROTTLE_WINDOW = timedelta(minutes=15)
#: ... lock the email when they reach this many,
ACCOUNT_FAILURES = 5
#: ... or the client address when it reaches this many (over any emails).
ADDRESS_FAILURES = 20
#: Sign-in posts per client address, whatever their outcome.
LOGIN_RATE = "20 per minute"


def _failures(db: Session, key: str, value: str, since: datetime) -> int:
    query = select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "login_failed",
        AuditEntry.at >= since,
        AuditEntry.detail[key].as_string() == value,
    )
    return db.scalar(query) or 0


def is_throttled(db: Session, email: str, address: str) -> bool:
    """Whether this email, or this address, failed too often in the last window.

    A successful sign-in of the email starts its count afresh.
    """
    since = utcnow() - THROTTLE_WINDOW
    last_login = db.scalar(
        select(func.max(AuditEntry.at)).where(
            AuditEntry.action == "login",
            AuditEntry.at >= since,
            AuditEntry.detail["email"].as_string() == email,
        )
    )
    return (
        _failures(db, "email", email, last_login or since) >= ACCOUNT_FAILURES
        or _failures(db, "address", address, since) >= ADDRESS_FAILURES
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


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_RATE, methods=["POST"], on_breach=_log_rate_limit)
def login() -> ResponseReturnValue:
    """Sign in and go where the organiser was heading."""
    target = safe_next(request.args.get("next")) or url_for("admin.home")
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("admin/login.html", form=form)
    db = get_session()
    email, address = form.email.data, request.remote_addr or ""
    if is_throttled(db, email, address):
        audit.record(db, "login_throttled", email=email, address=address)
        db.commit()
        message = _("Too many failed sign-ins. Please wait 15 minutes and try again.")
        return render_template("admin/login.html", form=form, message=message), 429
    account = authenticate(db, email, form.password.data)
    if account is None:
        audit.record(db, "login_failed", email=email, address=address)
        db.commit()
        message = _("The email or the password is not right.")
        return render_template("admin/login.html", form=form, message=message)
    login_user(account, remember=False)
    audit.record(db, "login", organiser=account, email=email, address=address)
    db.commit()
    return redirect(target)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    """Sign out (a POST, so another site cannot sign anyone out)."""
    db = get_session()
    audit.record(db, "logout", organiser=organiser())
    db.commit()
    logout_user()
    flash(_("You have signed out."))
    return redirect(url_for("admin.login"))
