"""The database extension, unbound; ``create_app`` binds it, so nothing here imports the app.
The extensions of the pages are in :mod:`partnercrm.web.extensions`."""

from flask_sqlalchemy import SQLAlchemy

from partnercrm.database import Model

# ``db.Model`` shares the registry and metadata of ``Model``, which the models subclass.
db = SQLAlchemy(model_class=Model)
