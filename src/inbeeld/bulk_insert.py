"""Inserting many rows of one model fast: PostgreSQL's COPY, with the primary keys drawn from the
table's own sequence first (so the caller knows every row's id, in order), and Django's
bulk_create on any other database. Used by the set-based path of the bulk import (ADR 0022); a
leaf: no other InBeeld module.

Only for plain inserts of new rows: no save() and no signals, like bulk_create. Field defaults
and ``auto_now``/``auto_now_add`` are applied (``pre_save``) and every value is converted by its
field for the database, as bulk_create does.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, router

_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "TextField",
}


def insert_rows(model, objs: Sequence, batch_size: int = 5000) -> None:
    """Insert the unsaved instances ``objs`` of ``model`` and set their primary keys, in order."""
    if not objs:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model.objects.using(alias).bulk_create(objs, batch_size=batch_size)
        return
    meta = model._meta
    fields = list(meta.concrete_fields)
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # Values the psycopg COPY dumper takes as they are (what get_db_prep_save returns unchanged
    # for these fields on PostgreSQL); everything else (JSON, decimals, …) through the field.
    plain = {
        f.attname
        for f in fields
        if f.get_internal_type() in _PLAIN
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
    }
    convert = [(f.attname, None if f.attname in plain else f) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        for start in range(0, len(objs), batch_size):
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for obj in objs[start : start + batch_size]:
                    copy.write_row(
                        [
                            getattr(obj, name)
                            if field is None
                            else field.get_db_prep_save(field.pre_save(obj, True), connection)
                            for name, field in convert
                        ]
                    )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
