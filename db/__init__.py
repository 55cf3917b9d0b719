"""The product's own relational database: accounts, API tokens, the audit trail and teaching
files (SQLAlchemy, migrated by Alembic; SQLite by default, PostgreSQL by URL).

    from db import open_database, AuditTrail
    database = open_database(settings_database_url)
"""

from db.audit import (
    THROTTLED,
    Action,
    AuditEvent,
    AuditTrail,
    Entry,
    EventId,
    EventType,
    Outcome,
    stored_time,
)
from db.engine import (
    UNREACHABLE,
    Database,
    DatabaseError,
    DatabaseInputError,
    database_of,
    open_database,
    sqlite_url,
)
from db.teaching import (
    Access,
    Case,
    Collection,
    TeachingAccessError,
    TeachingError,
    TeachingFiles,
    import_legacy,
    parse_tags,
)
from db.teaching_repoint import Repointed, repoint_cases

__all__ = [
    "THROTTLED",
    "UNREACHABLE",
    "Access",
    "Action",
    "AuditEvent",
    "AuditTrail",
    "Case",
    "Collection",
    "Database",
    "DatabaseError",
    "DatabaseInputError",
    "Entry",
    "EventId",
    "EventType",
    "Outcome",
    "Repointed",
    "TeachingAccessError",
    "TeachingError",
    "TeachingFiles",
    "database_of",
    "import_legacy",
    "open_database",
    "parse_tags",
    "repoint_cases",
    "sqlite_url",
    "stored_time",
]
