"""Page routers, one per resource (see ``api.web``)."""
