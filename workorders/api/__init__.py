"""The work-order API: task lists, tickets, lifecycle actions, reports, intake."""
