"""Inserting many registry rows at once: COPY on PostgreSQL, bulk_create elsewhere.

For demo loads and imports of hundreds of thousands of rows, building a model
instance per row and letting Django render one huge INSERT costs more than
the database's own work. ``COPY ... FROM STDIN`` streams plain tuples instead.
No ``save()`` and no signals run: callers pass complete, checked rows,
ancestry ids included.
"""

import json
from collections.abc import Iterable, Sequence

from django.db import connection, models

BULK_CREATE_BATCH = 2000


def rows_insert(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]
) -> int:
    """Insert ``rows`` (tuples in the order of ``fields``); returns how many."""
    model_fields = [model._meta.get_field(name) for name in fields]
    json_positions = [
        i for i, field in enumerate(model_fields) if isinstance(field, models.JSONField)
    ]
    if connection.vendor != "postgresql":
        attnames = [field.attname for field in model_fields]
        objects = [model(**dict(zip(attnames, row))) for row in rows]
        model.objects.bulk_create(objects, batch_size=BULK_CREATE_BATCH)
        return len(objects)

    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in model_fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            if json_positions:
                row = list(row)
                for i in json_positions:
                    row[i] = json.dumps(row[i], ensure_ascii=False)
            copy.write_row(row)
            count += 1
    return count
