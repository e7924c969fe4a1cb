"""Reads for the command center, scoped through ``workorders_scope_q``.

``alerts`` reads alerts and notifications; ``dashboard`` the dashboard's figures.
"""
