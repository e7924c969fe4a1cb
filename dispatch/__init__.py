"""The command center: deadline sweep, alert escalation, live push, dashboard pages."""
