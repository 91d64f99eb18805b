"""The database extension, unbound; ``create_app`` binds it, so nothing here imports the app.
Every app has it, the app of a command without pages (``create_app(pages=False)``) nothing
else: the extensions of the pages are in :mod:`partnercrm.web.extensions`."""

from typing import TYPE_CHECKING

from flask_sqlalchemy import SQLAlchemy

from partnercrm.database import Base

db = SQLAlchemy(model_class=Base)

# The base class of every model. A type checker cannot subclass an attribute (``db.Model``), so
# it sees the declarative base that Flask-SQLAlchemy builds ``db.Model`` from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
