"""Pure rules of employer registration (no Flask)."""

from __future__ import annotations

from enum import StrEnum


class RegistrationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
