"""Sign-up, sign-in, password reset, profile and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from training.accounts import (
    auth,  # noqa: F401  (registers the user loader)
    services,
    sessions,
)
from training.accounts.forms import (
    ApiTokenForm,
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    ProfileForm,
    SetPasswordForm,
    SignInForm,
    SignUpForm,
)
from training.accounts.models import ApiToken, LearnerCategory, UserSession
from training.database import writes
from training.errors import DomainError
from training.extensions import csrf, db, limiter, rate_limit
from training.urls import safe_next_url

bp = Blueprint("accounts", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
@rate_limit("SIGN_IN_RATE_LIMIT")
def sign_in():
    """Sign in with email and password; come back to the page that asked."""
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("Wrong email or password."), "danger")
        elif user.email_confirmed_at is None:
            services.send_confirmation(user, form.next.data or None)
            db.session.commit()
            flash(_("Confirm your email address first: we have sent you a new link."), "warning")
        else:
            sessions.start(user)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            session["locale"] = user.locale
            return redirect(safe_next_url(form.next.data, url_for("site.home")))
    return render_template("accounts/sign_in.html", form=form)


@bp.post("/sign-out")
def sign_out():
    """Sign out of this browser."""
    ConfirmForm().validate_on_submit() or abort(400)
    if current_user.is_authenticated and (row := sessions.current(current_user)) is not None:
        # The server forgets this session: a copy of the cookie no longer signs anyone in.
        sessions.end(current_user, row, "signed_out")
        db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("site.home"))


def _target_address() -> str:
    """The rate-limit key of the address a form would send mail to (case and spaces aside)."""
    return "to:" + services.normalise_email(request.form.get("email", ""))[:320]


# Counted per target address, whatever client sends: no inbox is flooded with our emails.
per_target_address = limiter.limit(
    lambda: current_app.config["EMAIL_TARGET_RATE_LIMIT"], key_func=_target_address, methods=["POST"]
)


@bp.route("/sign-up", methods=["GET", "POST"])
@rate_limit("SIGN_UP_RATE_LIMIT")
@per_target_address
def sign_up():
    """Create a learner account; the address is confirmed by email before the first sign-in."""
    if current_user.is_authenticated:
        return redirect(url_for("site.home"))
    form = SignUpForm(next=request.args.get("next", ""), locale=_current_locale())
    if form.validate_on_submit():
        next_url = safe_next_url(form.next.data, "") or None
        try:
            services.sign_up(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                organisation=form.organisation.data or "",
                category=LearnerCategory(form.category.data),
                locale=form.locale.data,
                next_url=next_url,
            )
        except services.WeakPassword as error:
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            return redirect(url_for("accounts.check_email"))
    return render_template("accounts/sign_up.html", form=form)


@bp.get("/sign-up/check-email")
def check_email():
    """The page after sign-up, the same whether or not the address was already known."""
    return render_template("accounts/check_email.html")


@bp.get("/confirm/<token>")
@writes
def confirm_email(token: str):
    """Confirm the address from the emailed link, sign in, and go back where the learner was."""
    try:
        user, next_url = services.confirm_email(token)
    except services.InvalidLink as error:
        flash(error.message, "danger")
        return redirect(url_for("accounts.sign_in"))
    sessions.start(user)
    db.session.commit()
    login_user(user)
    flash(_("Your email address is confirmed. Welcome!"), "success")
    return redirect(safe_next_url(next_url, url_for("site.home")))


@bp.route("/forgot-password", methods=["GET", "POST"])
@rate_limit("PASSWORD_RESET_RATE_LIMIT")
@per_target_address
def forgot_password():
    """Ask for a reset link; the answer never says whether the address is registered."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(_("If an account uses this address, we have sent it a link to choose a new password."), "info")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an emailed reset link."""
    return _set_password_page(token, "reset")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Choose a first password from an invitation sent by the training office."""
    return _set_password_page(token, "invite")


def _set_password_page(token: str, purpose: str):
    try:
        user = services.user_for_link(token, purpose)
    except services.InvalidLink as error:
        flash(error.message, "danger")
        return redirect(url_for("accounts.forgot_password"))
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data, purpose)
        except DomainError as error:
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your password is saved. Sign in with it now."), "success")
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/set_password.html", form=form, user=user, purpose=purpose)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The user's own details, password, sessions and API tokens."""
    form = ProfileForm(obj=current_user, category=current_user.category.value)
    if form.validate_on_submit():
        services.update_profile(
            current_user,
            name=form.name.data,
            organisation=form.organisation.data or "",
            category=LearnerCategory(form.category.data),
            locale=form.locale.data,
        )
        db.session.commit()
        session["locale"] = current_user.locale
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"))
    return _render_profile(form=form)


def _render_profile(**forms):
    tokens = sorted(current_user.api_tokens, key=lambda t: t.created_at, reverse=True)
    forms.setdefault("sessions", sessions.active(current_user))
    forms.setdefault("this_session", sessions.current(current_user))
    forms.setdefault("now", datetime.now(UTC))
    forms.setdefault("form", ProfileForm(obj=current_user, category=current_user.category.value))
    forms.setdefault("password_form", ChangePasswordForm())
    forms.setdefault("token_form", ApiTokenForm())
    return render_template("accounts/profile.html", tokens=tokens, button_form=ConfirmForm(), **forms)


@bp.post("/profile/password")
@login_required
def change_password():
    """Change the password; every other session of the user ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except DomainError as error:
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this browser's session stays open
            flash(_("Your password is changed. Your other sessions are signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return _render_profile(password_form=form), 422


@bp.post("/profile/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every session of the user, this one included."""
    ConfirmForm().validate_on_submit() or abort(400)
    services.sign_out_everywhere(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are signed out on every device."), "info")
    return redirect(url_for("accounts.sign_in"))


@bp.post("/profile/tokens")
@login_required
def create_token():
    """Create an API token and show it once."""
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _render_profile(token_form=form), 422
    token, plain = services.create_api_token(
        current_user, form.name.data, days=int(form.days.data), scopes=form.scopes.data
    )
    db.session.commit()
    return _render_profile(new_token=plain, new_token_name=token.name)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    """Revoke one of the user's own API tokens (another's answers 404)."""
    ConfirmForm().validate_on_submit() or abort(400)
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    services.revoke_api_token(current_user, token)
    db.session.commit()
    flash(_("The token “%(name)s” is revoked.", name=token.name), "info")
    return redirect(url_for("accounts.profile"))


@bp.post("/profile/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    """End one of the user's own sessions (another device); another person's answers 404."""
    ConfirmForm().validate_on_submit() or abort(400)
    row = db.get_or_404(UserSession, session_id)
    if row.user_id != current_user.id:
        abort(404)
    sessions.end(current_user, row, "ended_from_profile")
    db.session.commit()
    if current_user.session_key and row.id == getattr(sessions.current(current_user), "id", None):
        logout_user()
    flash(_("That session is ended: the device is signed out."), "info")
    return redirect(url_for("accounts.profile"))


@bp.post("/language")
@csrf.exempt
def set_language():
    """Switch the interface language; remembered on the account when signed in.

    For an anonymous visitor it only sets a preference in their own session cookie, which
    a forged request could do no harm with, so no CSRF token is asked: public pages then
    carry no per-visitor token and can be served from the cache. A signed-in user's
    choice is saved on the account, so it needs the token like every other change.
    """
    locale = request.form.get("locale", "")
    if current_user.is_authenticated:
        csrf.protect()
    if locale not in ("fr", "en"):
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated and current_user.locale != locale:
        services.update_profile(current_user, locale=locale)
        db.session.commit()
    return redirect(safe_next_url(request.form.get("next"), url_for("site.home")))


def _current_locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "fr")
