"""Database triggers that keep the audit log append-only.

Entries: UPDATE and DELETE are refused. The chain head (the one row holding the last
entry's number and hash): it may only be created at the genesis and only move forward,
to the newest entry actually in the table with that entry's hash; deleting it is
refused. So without dropping triggers the head can neither be rewound (to hide the
newest entries) nor pointed at a hash that is not in the chain.

A database superuser can still drop them; the hash chain is what makes tampering
evident (``saferleeds audit verify``), and the head hash should also be kept outside.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

TABLE = "audit_auditentry"
HEAD_TABLE = "audit_chainhead"
GENESIS = "0" * 64

# The head may move only to a newer entry that exists with that hash and is the newest.
_HEAD_ADVANCES = f"""NEW.id = OLD.id AND NEW.seq > OLD.seq
    AND EXISTS (SELECT 1 FROM {TABLE} WHERE seq = NEW.seq AND hash = NEW.hash)
    AND NOT EXISTS (SELECT 1 FROM {TABLE} WHERE seq > NEW.seq)"""
_HEAD_IS_GENESIS = f"NEW.id = 1 AND NEW.seq = 0 AND NEW.hash = '{GENESIS}'"
HEAD_REFUSED_UPDATE = "the audit chain head only advances to a newly appended entry"
HEAD_REFUSED_DELETE = "the audit chain head cannot be deleted"
HEAD_REFUSED_INSERT = "the audit chain head starts at the genesis"

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_head_advance_only BEFORE UPDATE ON {HEAD_TABLE}
        WHEN NOT ({_HEAD_ADVANCES})
        BEGIN SELECT RAISE(ABORT, '{HEAD_REFUSED_UPDATE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON {HEAD_TABLE}
        BEGIN SELECT RAISE(ABORT, '{HEAD_REFUSED_DELETE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_head_genesis BEFORE INSERT ON {HEAD_TABLE}
        WHEN NOT ({_HEAD_IS_GENESIS})
        BEGIN SELECT RAISE(ABORT, '{HEAD_REFUSED_INSERT}'); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS audit_append_only ON {TABLE}",
    f"""CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
    f"""CREATE OR REPLACE FUNCTION audit_head_advance_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN
           RAISE EXCEPTION '{HEAD_REFUSED_DELETE}';
         ELSIF TG_OP = 'INSERT' THEN
           IF {_HEAD_IS_GENESIS} THEN RETURN NEW; END IF;
           RAISE EXCEPTION '{HEAD_REFUSED_INSERT}';
         END IF;
         IF {_HEAD_ADVANCES} THEN RETURN NEW; END IF;
         RAISE EXCEPTION '{HEAD_REFUSED_UPDATE}';
       END $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS audit_head_advance_only ON {HEAD_TABLE}",
    f"""CREATE TRIGGER audit_head_advance_only
        BEFORE INSERT OR UPDATE OR DELETE ON {HEAD_TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_head_advance_only()""",
]
DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_no_update",
        "DROP TRIGGER IF EXISTS audit_no_delete",
        "DROP TRIGGER IF EXISTS audit_head_advance_only",
        "DROP TRIGGER IF EXISTS audit_head_no_delete",
        "DROP TRIGGER IF EXISTS audit_head_genesis",
    ],
    "postgresql": [
        f"DROP TRIGGER IF EXISTS audit_append_only ON {TABLE}",
        f"DROP TRIGGER IF EXISTS audit_head_advance_only ON {HEAD_TABLE}",
    ],
}


def install_append_only_triggers(using: str = "default", **_: Any) -> None:
    """Create the triggers if the audit tables exist (post_migrate receiver)."""
    conn = connections[using]
    tables = set(conn.introspection.table_names())
    if not {TABLE, HEAD_TABLE} <= tables:
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
