"""Users, roles, login and the scope rules every view uses."""
