"""Indexes behind the customer list's orders and searches (kept here: the web owns these reads).

The score orders (CLV, P(alive)) need (value, customer) indexes for keyset pages. On PostgreSQL
the case-insensitive prefix searches need expression indexes with pattern operators, and the
"contains" name search a trigram index when the pg_trgm extension can be created.
"""

from django.db import migrations

COMMON = [
    (
        "score_clv_keyset_idx",
        "CREATE INDEX IF NOT EXISTS score_clv_keyset_idx "
        "ON insights_customerscore (clv_12m, customer_id)",
    ),
    (
        "score_p_alive_keyset_idx",
        "CREATE INDEX IF NOT EXISTS score_p_alive_keyset_idx "
        "ON insights_customerscore (p_alive, customer_id)",
    ),
]
POSTGRES = [
    (
        "customer_name_upper_idx",
        "CREATE INDEX IF NOT EXISTS customer_name_upper_idx "
        "ON customers_customer (UPPER(name::text) text_pattern_ops)",
    ),
    (
        "customer_email_upper_idx",
        "CREATE INDEX IF NOT EXISTS customer_email_upper_idx "
        "ON customers_customer (UPPER(email::text) text_pattern_ops)",
    ),
    (
        "customer_phone_pattern_idx",
        "CREATE INDEX IF NOT EXISTS customer_phone_pattern_idx "
        "ON customers_customer (phone text_pattern_ops)",
    ),
]
TRIGRAM = (
    "customer_name_trgm_idx",
    "CREATE INDEX IF NOT EXISTS customer_name_trgm_idx "
    "ON customers_customer USING gin (UPPER(name::text) gin_trgm_ops)",
)


def create(apps, schema_editor):
    connection = schema_editor.connection
    statements = list(COMMON)
    if connection.vendor == "postgresql":
        statements += POSTGRES
    for _, sql in statements:
        schema_editor.execute(sql)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SAVEPOINT daur_trgm")
            try:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                cursor.execute(TRIGRAM[1])
                cursor.execute("RELEASE SAVEPOINT daur_trgm")
            except Exception:  # noqa: BLE001 - no right to create extensions: search still works
                cursor.execute("ROLLBACK TO SAVEPOINT daur_trgm")


def drop(apps, schema_editor):
    for name, _ in COMMON + POSTGRES + [TRIGRAM]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_list_created_order"),
        ("insights", "0001_initial"),
    ]
    operations = [migrations.RunPython(create, drop)]
