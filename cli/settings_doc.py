"""docs/configuration.md, generated from the settings classes so it cannot drift."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

INTRO = (Path(__file__).parent / "configuration_intro.md").read_text()


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        return "(see below)" if isinstance(field.default_factory, type) else "(computed)"
    value: Any = field.default
    if isinstance(value, SecretStr):
        return "(development value — change it)"
    if value is None:
        return "—"
    return f"`{value}`"


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            continue  # nested settings get their own table
        if field.validation_alias is not None:
            continue  # a variable every process shares, not this one's: in "All processes"
        desc = (field.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{prefix}{name.upper()}` | {_default(field)} | {desc} |")
    return rows


def section(title: str, model: type[BaseModel], prefix: str) -> str:
    lines = [f"## {title}", "", "| Variable | Default | Meaning |", "|---|---|---|"]
    return "\n".join([*lines, *_rows(model, prefix), ""])


def _shared(model: type[BaseModel]) -> str:
    """Variables every process reads under one name (`ECOHOST_ENVIRONMENT`)."""
    lines = ["## All processes", "", "| Variable | Default | Meaning |", "|---|---|---|"]
    for field in model.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            name = alias.choices[0]
            desc = (field.description or "").replace("|", "\\|")
            lines.append(f"| `{name}` | {_default(field)} | {desc} |")
    return "\n".join([*lines, ""])


def render() -> str:
    from gateway.settings import GatewaySettings
    from kit.auth import AuthSettings
    from kit.settings import ProcessSettings
    from services.archive.settings import ArchiveSettings, ArchiveStorageSettings
    from services.compliance.settings import ComplianceSettings
    from services.engagement.settings import EngagementSettings
    from services.evaluation.settings import EvaluationSettings

    parts = [INTRO, _shared(ProcessSettings)]
    classes: list[tuple[str, type[BaseSettings]]] = [
        ("Gateway", GatewaySettings),
        ("Engagement service", EngagementSettings),
        ("Evaluation service", EvaluationSettings),
        ("Archive service", ArchiveSettings),
        ("Archive object storage", ArchiveStorageSettings),
        ("Compliance calendar service", ComplianceSettings),
    ]
    for title, cls in classes:
        prefix = str(cls.model_config.get("env_prefix", ""))
        parts.append(section(title, cls, prefix))
        if cls is GatewaySettings:
            parts.append(section("Gateway authentication (JWT)", AuthSettings, prefix + "AUTH__"))
    return "\n".join(parts)
