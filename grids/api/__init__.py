"""The territory's REST API: me, units, households, residents, places."""
