"""The dashboard and the menu: the one package that may import every domain (the roof)."""
