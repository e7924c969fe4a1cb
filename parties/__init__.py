"""The party chain on the tree: organisations, members, central households, stations."""
