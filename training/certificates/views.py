"""Public verification of certificates, and downloads by their holder."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from training.attendance import sheet as sheets
from training.certificates import services
from training.certificates.forms import VerifyForm
from training.extensions import limiter

bp = Blueprint("certificates", __name__)
MAX_PDF_BYTES = 5 * 1024 * 1024


def verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(verify_limit, methods=["POST"])
def verify_form():
    """Check a certificate by its code, or by dropping its PDF (compared by fingerprint)."""
    form = VerifyForm()
    if form.validate_on_submit() and not ((form.code.data or "").strip() or form.document.data):
        form.code.errors.append(_("Type the code, or choose the PDF file."))
        return render_template("certificates/verify_form.html", form=form, not_found=None), 422
    if form.validate_on_submit():
        document = _lookup(form)
        if document is not None:
            return redirect(url_for("certificates.verify", code=document.code))
        message = (
            _("This file is not a certificate issued by GenoTher Training, or it was changed after it was issued.")
            if form.document.data
            else _("No certificate has this code.")
        )
        return render_template("certificates/verify_form.html", form=form, not_found=message), 404
    return render_template("certificates/verify_form.html", form=form, not_found=None)


def _lookup(form: VerifyForm):
    """The certificate or attendance sheet with this code, or with exactly these bytes."""
    if form.document.data:
        data = form.document.data.read(MAX_PDF_BYTES + 1)
        if len(data) > MAX_PDF_BYTES:
            return None
        return services.by_fingerprint(data) or sheets.sheet_by_fingerprint(data)
    code = (form.code.data or "").strip()
    return services.by_code(code) or sheets.sheet_by_code(code)


@bp.get("/verify/<code>")
@limiter.limit(verify_limit)
def verify(code: str):
    """Everything the certificate says, its status and its fingerprint: an edited PDF cannot pass."""
    certificate = services.by_code(code)
    if certificate is None:
        sheet = sheets.sheet_by_code(code)
        if sheet is not None:
            return render_template(
                "certificates/verify_sheet.html",
                sheet=sheet,
                session=sheet.session,
                course=sheet.session.course,
                current=sheets.is_current(sheet),
            )
        return render_template(
            "certificates/verify_form.html", form=VerifyForm(), not_found=_("No certificate has this code.")
        ), 404
    return render_template(
        "certificates/verify.html",
        certificate=certificate,
        enrolment=certificate.enrolment,
        session=certificate.enrolment.session,
        course=certificate.enrolment.session.course,
    )


@bp.get("/certificates/<code>.pdf")
@login_required
def download(code: str):
    """The issued PDF, unchanged: for its holder and for admins; anybody else gets 404."""
    certificate = services.by_code(code)
    if certificate is None or not (current_user.is_admin or certificate.enrolment.user_id == current_user.id):
        abort(404)
    return (
        certificate.pdf,
        200,
        {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="certificate-{certificate.serial}.pdf"',
        },
    )
