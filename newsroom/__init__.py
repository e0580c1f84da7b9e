"""The project package: settings (every one from the environment), the URLconf, WSGI/ASGI, health check,
logging, deploy checks and project-wide management commands.

Owns nothing readers or editors work with; that is the apps'. May import any app (the URLconf wires
them); no app imports it, so an app can be read, tested and moved without this package.
"""
