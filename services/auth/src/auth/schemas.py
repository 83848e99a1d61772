"""Input types every feature validates the same way (emails, usernames, passwords, PATCH)."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

# Deliberately simple: a local part, one @, a host name (dots optional, so `admin@localhost`
# is accepted). Deliverability is not our check.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_EMAIL = re.compile(rf"^[^@\s]{{1,64}}@{_LABEL}(?:\.{_LABEL})*$")


def _email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("not a valid email address")
    return value


Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_email)]
Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=3, max_length=150, pattern=r"^[A-Za-z0-9_.@+-]+$"
    ),
]
# argon2 has no input limit of its own; the cap keeps hashing cost bounded.
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]
FullName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _bounded(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


# Stripped, non-empty strings no longer than their column.
Str20 = Annotated[str, _bounded(20)]
Str30 = Annotated[str, _bounded(30)]
Str100 = Annotated[str, _bounded(100)]
Str150 = Annotated[str, _bounded(150)]
Str200 = Annotated[str, _bounded(200)]
LongText = Annotated[str, _bounded(10_000)]


class InputModel(BaseModel):
    """Request bodies refuse unknown fields, so a typo is a 422 rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


class PatchModel(InputModel):
    """A PATCH body: only the fields sent are applied; `null` only where the column allows it."""

    non_nullable: ClassVar[frozenset[str]] = frozenset()

    # Validators run only for the fields actually sent, so a missing field stays unset.
    @field_validator("*", mode="after")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.non_nullable:
            raise ValueError("cannot be null")
        return value

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


Version = Annotated[int, Field(description="increases on every change; send it as If-Match")]
