"""Unbound extensions; ``create_app`` binds them, so nothing here imports the app."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from partnercrm.database import Base

db = SQLAlchemy(model_class=Base)

# The base class of every model. A type checker cannot subclass an attribute (``db.Model``), so
# it sees the declarative base that Flask-SQLAlchemy builds ``db.Model`` from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
