"""Settings of the compliance calendar service: environment variables `ECOHOST_COMPLIANCE_*`."""

from __future__ import annotations

from datetime import time

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kit.notify import NotifySettings
from kit.settings import ServiceSettings, database_schema_field, database_url_field


class ComplianceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECOHOST_COMPLIANCE_", extra="ignore")

    database_url: str = database_url_field("compliance")
    database_schema: str | None = database_schema_field("compliance")
    timezone: str = Field(
        default="Asia/Shanghai", description="Whose calendar dates obligations fall due by."
    )
    due_soon_days: int = Field(
        default=7, ge=0, le=90, description="An open occurrence this close to its date is due soon."
    )
    scan_interval: float = Field(
        default=3600.0,
        gt=0,
        description="Seconds between checks for the daily scan (extend the 18-month "
        "horizon, let stoppages act, schedule reminders), which runs once a day.",
    )
    remind_at: time = Field(
        default=time(9, 0),
        description="Local time (Asia/Shanghai) a reminder of a day is due; quiet hours "
        "covering it move it to their end.",
    )
    webhook_allow_http: bool = Field(
        default=False,
        description="Accept http:// webhook URLs (development and tests); production "
        "takes https only.",
    )
    notify: NotifySettings = Field(
        default_factory=NotifySettings,
        description="Reminder delivery (`ECOHOST_COMPLIANCE_NOTIFY__*`, docs/notifications.md).",
    )
