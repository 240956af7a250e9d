"""Database triggers that refuse UPDATE and DELETE on audit entries.

A database superuser can still drop them; the hash chain is what makes tampering
evident (``saferleeds audit verify``), and the head hash should also be kept outside.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

TABLE = "audit_auditentry"

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS audit_append_only ON {TABLE}",
    f"""CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
]
DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_no_update",
        "DROP TRIGGER IF EXISTS audit_no_delete",
    ],
    "postgresql": [f"DROP TRIGGER IF EXISTS audit_append_only ON {TABLE}"],
}


def install_append_only_triggers(using: str = "default", **_: Any) -> None:
    """Create the triggers if the audit table exists (post_migrate receiver)."""
    conn = connections[using]
    if TABLE not in conn.introspection.table_names():
        return
    statements = SQLITE if conn.vendor == "sqlite" else POSTGRES
    with conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def drop_append_only_triggers(using: str = "default") -> None:
    """Remove the triggers: only for tests that simulate a superuser, and test teardown."""
    conn = connections[using]
    with conn.cursor() as cur:
        for sql in DROP[conn.vendor]:
            cur.execute(sql)
