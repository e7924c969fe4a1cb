"""Settings modules.

- ``local``: the embedded default (SQLite, filesystem broker); what ``make run`` uses.
- ``test``: PostgreSQL and Redis over real connections; what ``make test`` uses.
- ``production``: hardened; refuses to start without ``SECRET_KEY``.

Every module reads the environment through ``base``; see ``.env.example``.
"""
