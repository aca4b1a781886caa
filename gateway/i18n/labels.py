"""Enum labels in the schema: each enum value's description is its label, Chinese then
English, and `enumLabels(enum:)` gives one enum's labels in the caller's language, so a
screen shows `准备阶段` for `PREPARATION` without a table of its own."""

from __future__ import annotations

import strawberry
from graphql import GraphQLEnumType, GraphQLSchema
from strawberry.types import Info

from gateway.context import Context
from gateway.i18n.language import Language
from gateway.i18n.say import label


@strawberry.type(description="A value of an enum and its label in the caller's language.")
class EnumLabel:
    value: str
    label: str


def enums(schema: GraphQLSchema) -> dict[str, GraphQLEnumType]:
    """The schema's own enums (not introspection's or federation's)."""
    return {
        name: t
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLEnumType) and "__" not in name
    }


def describe_enum_values(schema: GraphQLSchema) -> None:
    """Each value's description: `准备阶段 / Preparation`."""
    for name, enum in enums(schema).items():
        for value_name, value in enum.values.items():
            zh, en = (label(lang, name, value_name) for lang in (Language.ZH_CN, Language.EN))
            value.description = f"{zh} / {en}"


@strawberry.type
class LabelQueries:
    @strawberry.field(
        description="The values of an enum (`Stage`, `SurveyMethod`, …) with their labels in "
        "the caller's language (Accept-Language); empty for an unknown name. Public."
    )
    def enum_labels(self, info: Info[Context, None], enum: str) -> list[EnumLabel]:
        found = enums(info._raw_info.schema).get(enum)
        if found is None:
            return []  # no such enum: nothing to label
        language = info.context.language
        return [EnumLabel(value=v, label=label(language, enum, v)) for v in found.values]
