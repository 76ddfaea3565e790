"""Helpers for the few hot queries written in SQL (check-in's redeem, registration's seat counts and
order pages): column lists and row layouts taken from the models' metadata, so a renamed table or
column fails loudly, and rows become ordinary model instances (``Model.from_db``)."""

import json

DB = "default"


def model_fields(model, names: list[str] | None = None) -> list:
    """The named concrete fields (all when ``names`` is None) in the model's own order, the order
    Model.from_db expects."""
    if names is None:
        return list(model._meta.concrete_fields)
    wanted = {model._meta.get_field(name) for name in names}
    return [field for field in model._meta.concrete_fields if field in wanted]


def model_attnames(model, names: list[str] | None = None) -> list[str]:
    return [field.attname for field in model_fields(model, names)]


def model_select(alias: str, model, names: list[str] | None = None) -> str:
    return ", ".join(f'{alias}."{field.column}"' for field in model_fields(model, names))


def rows_split(row, layouts: list[tuple]) -> list:
    """One model instance per (model, attnames) layout, from consecutive columns of ``row``."""
    instances, start = [], 0
    for model, attnames in layouts:
        instances.append(model.from_db(DB, attnames, row[start:start + len(attnames)]))
        start += len(attnames)
    return instances


def json_loaded(value):
    """A JSON column's value: Django has the driver hand JSON over as text."""
    return json.loads(value) if isinstance(value, str) else value
