"""roombook: reliable, visible booking of the social rooms in municipal shared accommodations."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from roombook import config as _config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then ROOMBOOK_* environment, then `config`."""
    project_root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        instance_path=str(project_root / "instance"),
        instance_relative_config=True,
        # the top-level templates/, through the package's link to it, so an installed wheel finds them too
        template_folder="templates",
    )
    _config.load(app, config)

    from roombook import cli, db, i18n, security, web
    from roombook.access import login

    db.init_app(app)
    login.init_app(app)
    i18n.init_app(app)
    cli.init_app(app)
    web.init_app(app)
    security.init_app(app)
    return app
