"""The demo's plan and locality codes and its words, read from seed/ (the tracker reads them
from the database): for the OpenAPI document the seeded app serves."""

from __future__ import annotations

from pathlib import Path

import yaml

from tracker.api.openapi import openapi_document
from tracker.domain.setup import Words

SEED = Path(__file__).resolve().parents[1] / "seed"


def _reference() -> dict:
    return yaml.safe_load((SEED / "reference.yaml").read_text(encoding="utf-8"))


def demo_locality_codes() -> list[str]:
    return [loc["code"] for loc in _reference()["localities"]]


def demo_plan_codes() -> list[str]:
    """In the order the seed makes the plans: the main plan, then each locality's."""
    return [_reference()["main_plan"]["code"], *demo_locality_codes()]


def demo_openapi_document() -> dict:
    """The document the seeded demo serves: its plan and locality codes as enums, and its words
    for its board and group."""
    return openapi_document(
        plan_codes=demo_plan_codes(),
        locality_codes=demo_locality_codes(),
        words=Words(**_reference()["setup"]["words"]),
    )
