"""An order line's customer: the order's, copied onto the line and kept there by the database.

A distributed scoring range reads its customers' order lines (`daur.insights.extract`). Found
through their orders, that is one index probe per line, scattered over the whole index: on
PostgreSQL 0.7 s with three server processes for a range of 500,000 lines. With the customer on
the line and an index by customer that holds what the read needs (`order_line_customer_idx`,
sales migration 0003), it is one index range scan: 0.23 s in one process (bench/README.md).

Who writes it:
- the import (`daur.interchange`: the order reference carries the order's customer) and
  `actions.sales.order_create` write it with the line: no trigger work on the bulk paths;
- a trigger fills it on any other insert (a line written with no customer), and again when a
  line moves to another order;
- a trigger on the orders moves an order's lines with it when the order changes customer (a
  merge of duplicates);
- `lines_customer_fill` fills what a trigger could not: a line inserted before its order in one
  transaction (the foreign keys are checked at commit), or rows loaded with triggers off. A
  distributed scoring run calls it before it takes its snapshot.

On SQLite (no distributed scoring) the same triggers keep it; a later migration that rebuilds one
of the two tables there would drop them (as it would the change log's, `daur.db.changes`).
"""

from __future__ import annotations

from django.db import connection

FILL = "sales_orderline_customer_fill"
MOVE = "sales_orderline_customer_move"
FOLLOW = "sales_order_lines_follow"
TRIGGERS = (FILL, MOVE, FOLLOW)

_POSTGRESQL = [
    f"CREATE FUNCTION {FILL}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "SELECT o.customer_id INTO NEW.customer_id FROM sales_order o WHERE o.id = NEW.order_id; "
    "RETURN NEW; END $$",
    f"CREATE TRIGGER {FILL} BEFORE INSERT ON sales_orderline FOR EACH ROW "
    f"WHEN (NEW.customer_id IS NULL) EXECUTE FUNCTION {FILL}()",
    f"CREATE TRIGGER {MOVE} BEFORE UPDATE OF order_id ON sales_orderline FOR EACH ROW "
    f"WHEN (OLD.order_id IS DISTINCT FROM NEW.order_id) EXECUTE FUNCTION {FILL}()",
    f"CREATE FUNCTION {FOLLOW}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE sales_orderline SET customer_id = NEW.customer_id WHERE order_id = NEW.id; "
    "RETURN NULL; END $$",
    f"CREATE TRIGGER {FOLLOW} AFTER UPDATE OF customer_id ON sales_order FOR EACH ROW "
    f"WHEN (OLD.customer_id IS DISTINCT FROM NEW.customer_id) EXECUTE FUNCTION {FOLLOW}()",
]
_SQLITE_OWN = (
    "UPDATE sales_orderline SET customer_id = (SELECT o.customer_id FROM sales_order o "
    "WHERE o.id = NEW.order_id) WHERE id = NEW.id;"
)
_SQLITE = [
    f"CREATE TRIGGER {FILL} AFTER INSERT ON sales_orderline FOR EACH ROW "
    f"WHEN NEW.customer_id IS NULL BEGIN {_SQLITE_OWN} END",
    f"CREATE TRIGGER {MOVE} AFTER UPDATE OF order_id ON sales_orderline FOR EACH ROW "
    f"WHEN OLD.order_id IS NOT NEW.order_id BEGIN {_SQLITE_OWN} END",
    f"CREATE TRIGGER {FOLLOW} AFTER UPDATE OF customer_id ON sales_order FOR EACH ROW "
    "WHEN OLD.customer_id IS NOT NEW.customer_id BEGIN UPDATE sales_orderline "
    "SET customer_id = NEW.customer_id WHERE order_id = NEW.id; END",
]


def triggers_create(schema_editor) -> None:  # noqa: ANN001 - a migration's schema editor
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"no order line customer triggers for {vendor}")
    for statement in _POSTGRESQL if vendor == "postgresql" else _SQLITE:
        schema_editor.execute(statement)


def triggers_drop(schema_editor) -> None:  # noqa: ANN001
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name, table in ((FILL, "sales_orderline"), (MOVE, "sales_orderline"),
                        (FOLLOW, "sales_order")):
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {name} ON {table}" if postgresql
            else f"DROP TRIGGER IF EXISTS {name}"
        )
    if postgresql:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FILL}()")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FOLLOW}()")


def lines_customer_fill(db=None) -> int:  # noqa: ANN001 - a Django connection
    """Give the lines without a customer their order's (on `db`, default the default
    connection); returns how many were written. Cheap when there are none: the customer index
    holds the NULLs too. Sales migration 0003 fills every line with it."""
    db = db or connection
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute(
                "UPDATE sales_orderline l SET customer_id = o.customer_id FROM sales_order o "
                "WHERE o.id = l.order_id AND l.customer_id IS NULL"
            )
        else:
            cursor.execute(
                "UPDATE sales_orderline AS l SET customer_id = (SELECT o.customer_id FROM "
                "sales_order o WHERE o.id = l.order_id) WHERE l.customer_id IS NULL"
            )
        return cursor.rowcount
