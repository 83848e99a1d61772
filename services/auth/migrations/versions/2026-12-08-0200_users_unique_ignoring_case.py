"""users: username and email unique ignoring case (issue 7, item 4: `ADMIN` beside `admin`).

A database that already holds two users differing only in case cannot take the indexes:
the upgrade stops and names them, and an operator renames one (PATCH /users/{id}).

Revision ID: auth_0007
Revises: auth_0006
Create Date: 2026-12-08 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "auth_0007"
down_revision: str | None = "auth_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for column in ("username", "email"):
        clashes = (
            op.get_bind()
            .execute(
                sa.text(
                    f"SELECT lower({column}) AS value, array_agg(id ORDER BY id) AS ids "
                    f"FROM auth.users GROUP BY lower({column}) HAVING count(*) > 1"
                )
            )
            .all()
        )
        if clashes:
            found = "; ".join(f"{row.value!r}: users {row.ids}" for row in clashes)
            raise RuntimeError(f"users differing only in the case of their {column}: {found}")
        op.create_index(
            f"uq_users_{column}_ci",
            "users",
            [sa.text(f"lower({column})")],
            unique=True,
            schema="auth",
        )


def downgrade() -> None:
    for column in ("username", "email"):
        op.drop_index(f"uq_users_{column}_ci", table_name="users", schema="auth")
