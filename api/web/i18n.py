"""The pages' message catalogue: every visible string in Chinese and English, in one YAML file.

Templates never hold prose; they ask ``t("queue.title")``. The catalogue is validated when the app
starts (each entry has both languages, placeholders match), so a missing translation fails at start-up
rather than showing a key to a reviewer. Codes from the shared vocabulary (flag codes, categories,
dispositions, ...) are looked up as ``code.<kind>.<value>`` and fall back to the code itself, because a
newer pipeline may emit a code this catalogue does not know yet.
"""

from __future__ import annotations

import logging
import string
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

logger = logging.getLogger("vigil.api")

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
CATALOGUE_PATH = Path(__file__).resolve().parent / "messages.yaml"


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str
    en: str

    @model_validator(mode="after")
    def _same_placeholders(self) -> Message:
        if _fields(self.zh) != _fields(self.en):
            raise ValueError(f"placeholders differ: {self.zh!r} vs {self.en!r}")
        return self


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Catalogue:
    """Looks messages up by key and language; ``t(lang, key, **values)`` formats placeholders."""

    def __init__(self, messages: dict[str, Message]) -> None:
        self.messages = messages

    @classmethod
    def load(cls, path: Path = CATALOGUE_PATH) -> Catalogue:
        try:
            raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as e:
            raise ValueError(f"message catalogue {path}: {e}") from e
        if not isinstance(raw, dict):
            raise ValueError(f"message catalogue {path}: expected a mapping of keys")
        messages: dict[str, Message] = {}
        for key, value in raw.items():
            try:
                messages[str(key)] = Message.model_validate(value)
            except ValueError as e:
                raise ValueError(f"message catalogue {path}, key {key!r}: {e}") from e
        return cls(messages)

    def t(self, lang: Lang, key: str, **values: Any) -> str:
        msg = self.messages.get(key)
        if msg is None:
            logger.warning("message key %r missing from the catalogue", key)
            return key
        text = msg.zh if lang == "zh" else msg.en
        return text.format(**values) if values else text

    def code(self, lang: Lang, kind: str, value: str | None) -> str:
        """The label of a vocabulary code (``kind`` e.g. ``flag``), else the code as it is."""
        if value is None or value == "":
            return "—"
        msg = self.messages.get(f"code.{kind}.{value}")
        if msg is None:
            return value
        return msg.zh if lang == "zh" else msg.en

    def has(self, key: str) -> bool:
        return key in self.messages


@cache
def catalogue() -> Catalogue:
    """The packaged catalogue, loaded and validated once per process."""
    return Catalogue.load()


@cache
def tag_labels(pipeline_config: str | None) -> dict[str, str]:
    """Chinese labels of the tag taxonomy the pipeline uses (``dim`` and ``dim/tag`` keys), read from
    the taxonomy file itself so a tag added there is labelled here without a catalogue edit."""
    from pipeline.config import load_config

    path = load_config(pipeline_config).section("summary").get("taxonomy_file")
    labels: dict[str, str] = {}
    if not path:
        return labels
    try:
        raw: Any = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        logger.warning("tag taxonomy %s unreadable, tags shown by id: %s", path, e)
        return labels
    for dim in raw.get("dimensions", []) if isinstance(raw, dict) else []:
        if not isinstance(dim, dict) or "id" not in dim:
            continue
        labels[str(dim["id"])] = str(dim.get("zh", dim["id"]))
        for tag in dim.get("tags", []):
            if isinstance(tag, dict) and "id" in tag:
                labels[f"{dim['id']}/{tag['id']}"] = str(tag.get("zh", tag["id"]))
    return labels


def pick_lang(value: str | None, default: Lang) -> Lang:
    if value == "zh":
        return "zh"
    if value == "en":
        return "en"
    return default
