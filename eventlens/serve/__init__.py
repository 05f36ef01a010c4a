"""eventlens.serve: the read-only JSON API over a store (``app.create_app``) and the web page that is
its client (``static/``)."""
