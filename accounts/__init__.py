"""The user model, in an app of its own.

Every other app points at ``AUTH_USER_MODEL``, and Django can only swap the user
model before the first migration, so it lives here from the start. Keeping it
apart from ``grids`` lets the tree depend on users (posts) without the user
model depending on the tree; device tokens for terminals belong here too.
"""
