"""GenoTher Training: the application factory."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import INSTANCE_DIR, load_config
from training.urls import DatabaseIdConverter


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Create and wire the application; nothing here touches the database or the network."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_mapping(load_config(config_name))
    if overrides:
        app.config.update(overrides)
    if app.config["PROXY_COUNT"]:
        hops = app.config["PROXY_COUNT"]
        # Flask documents wrapping wsgi_app as the way to add middleware; its type says method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.url_map.converters["int"] = DatabaseIdConverter

    from training import logging as app_logging

    app_logging.init_app(app)
    _configure_extensions(app)
    _configure_features(app)
    _configure_blueprints(app)
    _configure_cli(app)
    return app


def _configure_extensions(app: Flask) -> None:
    from training import database, email, enums, i18n, models, security, tasks  # noqa: F401  (models: complete metadata)
    from training.extensions import cache, csrf, db, limiter, login_manager, migrate
    from training.site import filters

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    tasks.init_app(app)
    security.init_app(app)
    filters.init_app(app)
    enums.init_app(app)
    email.init_app(app)


def _configure_features(app: Flask) -> None:
    """Let features above the catalogue contribute figures to its pages."""
    from training.attendance.figures import completion
    from training.attendance.services import learner_hours
    from training.catalogue import figures
    from training.certificates.services import certificate_links
    from training.enrolment import extras
    from training.enrolment.figures import waitlist_lengths
    from training.surveys.figures import satisfaction
    from training.surveys.services import survey_links

    figures.init_app(app, session_figures=[waitlist_lengths], course_results=[satisfaction, completion])
    extras.init_app(app, providers=[learner_hours, certificate_links, survey_links])


def _configure_blueprints(app: Flask) -> None:
    """Register each feature's blueprint; the site shell, the back office and the API gather
    routes from several modules, which `with_routes()` imports."""
    from training.accounts.views import bp as accounts_bp
    from training.admin import blueprint as admin
    from training.api import blueprint as api
    from training.attendance.views import bp as attendance_bp
    from training.catalogue.views import bp as catalogue_bp
    from training.certificates.views import bp as certificates_bp
    from training.enrolment.views import bp as enrolment_bp
    from training.site import blueprint as site
    from training.surveys.views import bp as surveys_bp

    app.register_blueprint(site.with_routes())
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(enrolment_bp)
    app.register_blueprint(attendance_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(surveys_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin.with_routes())
    app.register_blueprint(api.with_routes())


def _configure_cli(app: Flask) -> None:
    from training.accounts.cli import users_cli
    from training.backup import backup_command
    from training.demo import seed_demo_command
    from training.surveys.cli import surveys_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(surveys_cli)
