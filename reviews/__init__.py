"""Reviews: the daily record, weekly summary and monthly analysis.

每日记录、每周总结、每月分析.

Its own app because of where it sits between the others. A review reads
tickets (``workorders``) *and* alerts (``dispatch``): the command center's
daily record counts the alerts raised and acknowledged on a unit's tickets.
``workorders`` may not import ``dispatch`` (CONVENTIONS, "Between apps"), so
the reviews cannot live in ``workorders`` as DESIGN.md first sketched; and
``dispatch`` is the live command center, which reviews do not belong to
either. So ``reviews`` sits above both and nothing imports it:

    reviews ──► dispatch ──► workorders ──► grids ──► accounts

What it keeps: a stored snapshot per (kind, period, unit) (``Report``), and a
grid worker's daily log with their own note (``WorkLog``). Figures are
computed set-based from the ticket table and its immutable event trail
(``reviews.figures``), generated on schedule by Celery beat and on demand.
"""
