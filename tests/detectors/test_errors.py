"""The one error tree and the one classification the batch and the API worker share."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from detectors.errors import (
    ConfigError,
    DetectorError,
    MediaError,
    ModelError,
    ModelIntegrityError,
    StoreError,
    VigilError,
    classify,
    one_line,
)
from evaluation.synthesis import SynthesisError
from pipeline.store import ObjectNotFoundError
from rules.errors import RulePackError


class _Strict(BaseModel):
    n: int


def _validation_error() -> ValidationError:
    try:
        _Strict.model_validate({"n": "x"})
    except ValidationError as e:
        return e
    raise AssertionError("expected a ValidationError")


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ConfigError("bad section"), "setup"),
        (RulePackError("bad pack"), "setup"),
        (ModelError("roles lexicon not found"), "setup"),
        (ModelIntegrityError("checksum"), "setup"),
        (_validation_error(), "setup"),
        (MediaError("truncated"), "permanent"),
        (DetectorError("NaN samples"), "permanent"),
        (ObjectNotFoundError("gone"), "permanent"),
        (ValueError("bad value"), "permanent"),
        (SynthesisError("espeak failed"), "permanent"),
        (StoreError("unreachable"), "retryable"),
        (ConnectionResetError("reset"), "retryable"),
        (RuntimeError("worker died"), "retryable"),
    ],
)
def test_classify(error: BaseException, kind: str) -> None:
    assert classify(error) == kind


def test_every_vigil_error_shares_one_root() -> None:
    for cls in (ConfigError, MediaError, DetectorError, ModelError, StoreError, RulePackError,
                ObjectNotFoundError, SynthesisError):  # fmt: skip
        assert issubclass(cls, VigilError), cls
    assert issubclass(RulePackError, ValueError)  # callers that caught it as one still do
    assert issubclass(ModelError, DetectorError) and issubclass(ModelError, ConfigError)


def test_one_line_folds_the_message() -> None:
    assert one_line(ConfigError("first\n  second")) == "first second"
    assert one_line(RuntimeError()) == "RuntimeError"
