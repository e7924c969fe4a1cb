"""Tickets (工单): categories, SLA, the lifecycle, events, hotline intake, reviews."""
