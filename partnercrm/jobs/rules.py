"""Pure rules of holiday jobs (no Flask): statuses. The Labour Code rules live in labour.py."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    PROPOSED = "proposed"  # proposed by an employer, waits for the employment center
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class ApplicationStatus(StrEnum):
    APPLIED = "applied"
    REFERRED = "referred"
    HIRED = "hired"
    COMPLETED = "completed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
