from __future__ import annotations

from functools import partial, wraps

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import joinedload

from partnercrm.access.accounts import (
    assignable_municipalities_scope,
    assignable_organizations_scope,
    can_give_access,
    can_manage_user,
    can_manage_users,
    grantable_roles,
    must_limit_employment_centers,
    users_scope,
)
from partnercrm.access.base import require
from partnercrm.accounts import services
from partnercrm.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    NewUserForm,
    UserForm,
)
from partnercrm.accounts.labels import ROLE_LABELS
from partnercrm.accounts.models import User, normalise_email
from partnercrm.accounts.passwords import verify_password
from partnercrm.accounts.rules import Role
from partnercrm.accounts.session import keep_session
from partnercrm.audit.models import AuditAction
from partnercrm.audit.services import record
from partnercrm.database import fold, folded
from partnercrm.directory.models import Municipality, Organization
from partnercrm.extensions import db
from partnercrm.web.extensions import limiter
from partnercrm.web.pagination import paginate
from partnercrm.web.redirects import safe_next
from partnercrm.web.unit_of_work import after_commit, refusal_shown

bp = Blueprint("accounts", __name__)


def _login_account_key() -> str:
    return "login:" + normalise_email(request.form.get("email", ""))


def _password_account_key() -> str:
    return f"password:{current_user.id}"


def _reset_account_key() -> str:
    return "password-reset:" + normalise_email(request.form.get("email", ""))


def _failed(response) -> bool:
    # Only failed attempts use up the limits; a success redirects.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_login_account_key,
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        # A failed login is answered normally, so its audit entry is committed too.
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("Wrong e-mail or password."), "danger")
            return render_template("accounts/login.html", form=form), 200
        login_user(user, remember=form.remember.data)
        return redirect(safe_next(request.args.get("next")) or url_for("dashboard.index"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = current_user._get_current_object()
    user.rotate_session_token()
    record(AuditAction.LOGOUT, "user", user.id)
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
# A stolen session must not become a way to guess the password.
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_password_account_key,
    deduct_when=_failed,
)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not verify_password(user.password_hash, form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            services.change_password(user, form.password.data)
            keep_session(user)
            flash(_("Your password has been changed. Other sessions have been ended."), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
# Every request counts: each may send a letter.
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_reset_account_key,
)
def forgot_password():
    """Ask for a one-time link to set a new password. The answer is the same whether the
    address has an account or not, so the page tells nobody who has one."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.change_password"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.request_password_reset(form.email.data)
        if user is not None:
            after_commit(partial(services.send_password_reset, user))
        flash(
            _(
                "If an account with this e-mail exists, a link to set a new password has been "
                "sent to it. Check your mail."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password_by_link(token: str):
    """Set a new password from the e-mailed link: it works once, until it expires, and ends
    every other session of the user."""
    user = services.user_from_reset_token(token)
    if user is None:
        return render_template("accounts/reset_link_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        with refusal_shown(form):
            services.reset_password_by_link(user, form.password.data)
            if current_user.is_authenticated:
                logout_user()
            login_user(user)
            flash(_("Your password has been set. Your other sessions have been ended."), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("accounts/reset_password.html", form=form, user=user)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    user = services.user_from_invitation(token)
    if user is None:
        return render_template("accounts/invitation_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        services.change_password(user, form.password.data)
        login_user(user)
        flash(_("Welcome! Your password has been set."), "success")
        return redirect(url_for("dashboard.index"))
    return render_template("accounts/accept_invitation.html", form=form, user=user)


# --- user management (admins: everyone; coordinators: their municipality) ---


def _manageable_user(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    require(can_manage_user(current_user, user))
    return user


def _scoped_choices(form: UserForm) -> None:
    form.role.choices = [(role.value, ROLE_LABELS[role]) for role in grantable_roles(current_user)]
    organizations = assignable_organizations_scope(current_user).order_by(Organization.name)
    municipalities = assignable_municipalities_scope(current_user).order_by(Municipality.name)
    none = [(0, "—")]
    form.organization.choices = none + [
        (org.id, f"{org.name} ({org.municipality.name})")
        for org in db.session.scalars(organizations.options(joinedload(Organization.municipality)))
    ]
    form.municipality.choices = none + [(m.id, m.name) for m in db.session.scalars(municipalities)]
    if must_limit_employment_centers(current_user):
        form.municipality.description = _(
            "An employment center's user must be limited to your municipality."
        )


def _submitted_attachment(form: UserForm):
    """The submitted role, organization and municipality; 403 when outside the actor's scope.

    Checked before the form is validated, so a request for more than the actor's scope is
    refused whatever else it holds. None when the role is no role at all (a form error).
    """
    try:
        role = Role(form.role.data)
    except ValueError:
        return None
    organization = db.session.get(Organization, form.organization.data or 0)
    municipality = db.session.get(Municipality, form.municipality.data or 0)
    require(
        can_give_access(current_user, role, organization, municipality.id if municipality else None)
    )
    return role, organization, municipality


def user_managers_only(view):
    """Logged-in users who manage accounts (admins, coordinators); 403 for the others."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        require(can_manage_users(current_user))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/users")
@user_managers_only
def users():
    query = users_scope(current_user)
    search = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    if search:
        query = query.where(
            sa.or_(
                User.email.contains(search.lower(), autoescape=True),
                folded(User.full_name).contains(fold(search), autoescape=True),
            )
        )
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    query = query.options(
        sa.orm.joinedload(User.organization), sa.orm.joinedload(User.municipality)
    )
    page = paginate(query.order_by(User.full_name, User.id))
    return render_template(
        "accounts/users.html", page=page, roles=ROLE_LABELS, search=search, role=role
    )


def _flash_invitation_sent(user: User) -> None:
    """Mail the invitation and say whether it went; after the commit, so that the link works."""
    if services.send_invitation(user):
        flash(_("The invitation has been sent to %(email)s.", email=user.email), "success")
    else:
        flash(_("The invitation could not be sent. Hand over the link on this page."), "warning")


@bp.route("/users/new", methods=["GET", "POST"])
@user_managers_only
def new_user():
    form = NewUserForm()
    _scoped_choices(form)
    attachment = _submitted_attachment(form) if form.is_submitted() else None
    if form.validate_on_submit():
        role, organization, municipality = attachment
        wants_password = form.access.data == "password"
        if wants_password and not form.password.data:
            form.password.errors.append(_("Enter the initial password."))
        else:
            with refusal_shown(form):
                user = services.create_user(
                    email=form.email.data,
                    full_name=form.full_name.data,
                    role=role,
                    organization=organization,
                    municipality=municipality,
                    password=form.password.data if wants_password else None,
                )
                flash(_("The user has been created."), "success")
                if not wants_password:
                    after_commit(partial(_flash_invitation_sent, user))
                return redirect(url_for("accounts.edit_user", user_id=user.id))
    return render_template("accounts/user_form.html", form=form, user=None, invitation_url=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@user_managers_only
def edit_user(user_id: int):
    user = _manageable_user(user_id)
    form = UserForm(
        obj=user,
        data=None
        if request.method == "POST"
        else {
            "role": user.role.value,
            "organization": user.organization_id or 0,
            "municipality": user.municipality_id or 0,
        },
    )
    _scoped_choices(form)
    attachment = _submitted_attachment(form) if form.is_submitted() else None
    if form.validate_on_submit():
        assert attachment is not None, "a role that is no role fails validation"
        role, organization, municipality = attachment
        with refusal_shown(form):
            services.update_user(
                user,
                email=form.email.data,
                full_name=form.full_name.data,
                role=role,
                organization=organization,
                municipality=municipality,
            )
            flash(_("The user has been saved."), "success")
            return redirect(url_for("accounts.edit_user", user_id=user.id))
    invitation_url = None
    if user.password_hash is None:
        invitation_url = url_for(
            "accounts.accept_invitation", token=services.invitation_token(user), _external=True
        )
    return render_template(
        "accounts/user_form.html",
        form=form,
        user=user,
        invitation_url=invitation_url,
    )


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@user_managers_only
def set_user_active(user_id: int):
    user = _manageable_user(user_id)
    if user.id == current_user.id:
        flash(_("You cannot deactivate yourself."), "danger")
    else:
        services.set_active(user, not user.active)
        flash(
            _("The user has been activated.")
            if user.active
            else _("The user has been deactivated; their sessions have ended."),
            "success",
        )
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/password-reset", methods=["POST"])
@user_managers_only
def reset_password(user_id: int):
    """For a user who forgot the password: a new invitation link replaces it."""
    user = _manageable_user(user_id)
    if user.id == current_user.id:
        flash(_("Change your own password on the password page."), "warning")
    else:
        services.reset_password(user)
        after_commit(partial(_flash_invitation_sent, user))
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/invitation", methods=["POST"])
@user_managers_only
def send_invitation(user_id: int):
    """E-mail the invitation link again (it is also shown on the user's page)."""
    user = _manageable_user(user_id)
    if user.password_hash is not None:
        flash(_("This user has already set a password."), "warning")
    else:
        _flash_invitation_sent(user)
    return redirect(url_for("accounts.edit_user", user_id=user.id))
