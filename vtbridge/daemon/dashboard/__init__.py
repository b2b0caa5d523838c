"""The local web dashboard (``server.Dashboard``) and its static page."""
