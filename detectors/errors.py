"""Vigil's one error tree. It lives in the bottom layer so that every layer (detectors, rules, pipeline,
API, evaluation) raises and catches the same types.

Every error a user should read as a sentence rather than a traceback is a :class:`VigilError`. Each
class says how a caller that runs many recordings (the Ray batch, the API worker) must treat it:

* :class:`ConfigError` - the configuration or the installation is wrong (a bad section, a missing
  model or lexicon). Every recording would fail the same way, so a batch stops at once with one line,
  and a single run exits with one line.
* :class:`MediaError` / :class:`DetectorError` - this one input cannot be analysed. Permanent for that
  recording: recorded once, never retried, the others go on.
* :class:`StoreError` - the object store is unreachable or refused. Retryable: nothing was lost, a
  later attempt may succeed. (:class:`ObjectNotFoundError` in ``pipeline.store`` is the permanent
  exception: a missing object will not appear by retrying.)

:func:`classify` is the one place the batch and the API worker ask which of these an exception is.
"""

from __future__ import annotations

from typing import ClassVar, Literal

Failure = Literal["setup", "permanent", "retryable"]


class VigilError(Exception):
    """Base of every error Vigil reports to a user rather than as a bug.

    ``retryable`` says whether the same call may succeed later without anything being changed.
    """

    retryable: ClassVar[bool] = False


class ConfigError(VigilError):
    """The configuration or installation is missing, malformed or contradictory (fails every input)."""


class MediaError(VigilError):
    """The input media is missing, empty, truncated, corrupt or of an unsupported kind."""


class DetectorError(VigilError):
    """A detector could not process this input (or load what it needs; see :class:`ModelError`)."""


class ModelError(DetectorError, ConfigError):
    """A model, lexicon or other resource a detector needs is missing or unusable: a setup problem,
    so it is a :class:`ConfigError` too (a batch stops instead of failing every recording)."""


class ModelIntegrityError(ModelError):
    """A model file on disk does not match its expected checksum."""


class StoreError(VigilError):
    """The object store cannot be reached or refused an operation; nothing was lost on our side."""

    retryable: ClassVar[bool] = True


def classify(error: BaseException) -> Failure:
    """How a runner of many recordings treats ``error``.

    ``setup``: stop (a batch) or fail without retrying (the API worker) - nothing will work until the
    configuration is fixed. ``permanent``: this recording failed for good. ``retryable``: try again
    later. Errors that are not Vigil's (a dead worker, a socket error, a bug) count as retryable until
    the attempts run out; a ``ValueError`` is a bad value that no retry fixes, and pydantic's
    ``ValidationError`` (a ``ValueError``) means a config section did not validate.
    """
    if isinstance(error, ConfigError):
        return "setup"
    if isinstance(error, VigilError):
        return "retryable" if error.retryable else "permanent"
    if type(error).__name__ == "ValidationError" and type(error).__module__.startswith("pydantic"):
        return "setup"
    if isinstance(error, ValueError):
        return "permanent"
    return "retryable"


def one_line(error: BaseException) -> str:
    """The message folded onto one line (what the CLI prints and failure records keep)."""
    text = " ".join(str(error).split())
    return text or type(error).__name__


__all__ = [
    "ConfigError",
    "DetectorError",
    "Failure",
    "MediaError",
    "ModelError",
    "ModelIntegrityError",
    "StoreError",
    "VigilError",
    "classify",
    "one_line",
]
