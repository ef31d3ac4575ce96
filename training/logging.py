"""Logging: one JSON object per line in production, plain text elsewhere."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object, with the request's method, path and id when any."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            data.update(method=request.method, path=request.path, request_id=g.get("request_id"))
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def init_app(app: Flask) -> None:
    """Send the app's logs to stderr, as JSON in production."""
    handler = logging.StreamHandler()
    if app.config["ENV_NAME"] == "production":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])
    # WeasyPrint logs every page it lays out at INFO: a bulk issue would flood the worker's journal.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
