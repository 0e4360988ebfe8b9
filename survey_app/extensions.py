"""Flask extensions, created here and bound to the app in the factory."""

from __future__ import annotations

import time

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf import CSRFProtect

from survey_db.models.vocabulary import LANGUAGES

from .db import SAFE_METHODS

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _reading_is_not_limited() -> bool:
    """Only posts are limited (every limit says so): skip the limiter's work on the rest."""
    return request.method in SAFE_METHODS


def select_locale() -> str:
    """``?lang=`` (remembered in the session), else the browser's Accept-Language.

    Outside a request (a CLI command translating a message), English.
    """
    if not has_request_context():
        return "en"
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return chosen
    remembered = session.get("lang")
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES) or "en"


babel = Babel()

#: How often the session's last-seen time is written back (each write resends the cookie).
SEEN_RESOLUTION = 60


def start_console_session() -> None:
    """Stamp a new console session: it ends after its lifetime or when left idle."""
    now = int(time.time())
    session["signed_in_at"] = now
    session["seen_at"] = now


def console_session_is_current() -> bool:
    """Whether the session is within its absolute lifetime and idle timeout; note this visit.

    Both times are in the signed cookie, so an old copy of the cookie carries its old
    times and is refused once they are past, whatever the browser does with it.
    """
    now = int(time.time())
    signed_in, seen = session.get("signed_in_at"), session.get("seen_at")
    if not isinstance(signed_in, int) or not isinstance(seen, int):
        return False
    config = current_app.config
    if (
        now - signed_in > config["SESSION_MAX_SECONDS"]
        or now - seen > config["SESSION_IDLE_SECONDS"]
    ):
        return False
    if now - seen >= SEEN_RESOLUTION:
        session["seen_at"] = now
    return True


def init_login(app_login: LoginManager) -> None:
    """Configure where sign-in sends people and how sessions find their organiser."""
    from survey_db.models import Organiser

    from .db import get_session
    from .texts import lazy_gettext as _l

    app_login.login_view = "admin.login"
    app_login.login_message = _l("Please sign in to see this page.")
    app_login.session_protection = "strong"

    @app_login.user_loader
    def _load(session_id: str) -> Organiser | None:
        ident, _sep, generation = session_id.partition(":")
        if not ident.isdigit() or not generation.isdigit():
            return None
        found = get_session().get(Organiser, int(ident))
        if found is None or found.session_generation != int(generation) or not found.enabled:
            return None
        return found if console_session_is_current() else None


init_login(login_manager)


def init_login_app(app: Flask) -> None:
    """Bind the login manager; templates get ``current_user`` as a proxy, loaded on use.

    Flask-Login's own context processor loads the user for every page rendered. On an
    attendee's page, whose session holds only a CSRF token, its strong session protection
    then rewrote the session cookie and cleared a remember cookie the attendee never had.
    """
    login_manager.init_app(app, add_context_processor=False)
    app.context_processor(lambda: {"current_user": current_user})
