"""Optional LLM summary through an OpenAI-compatible ``/v1/chat/completions`` endpoint (vLLM, Ollama).

The model only rephrases what the extractive summary and the transcript already hold, and it must
answer with JSON of a fixed schema whose segment ids exist in the transcript. Anything else (an
unreachable server, a timeout, malformed or invented output) falls back to the extractive summary and
says so in the log, so an outage never loses a summary and never lets an unchecked one through.
:class:`LlmClient` (request, JSON-schema answer, validation) is shared with the flag adjudicator
(:mod:`rules.adjudicator`), which talks to the same endpoint.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from detectors.types import Transcript
from rules.findings import Summary, SummaryItem

logger = logging.getLogger("vigil.rules")

SUMMARY_FIELDS = (
    "cause",
    "course",
    "result",
    "conflict_focus",
    "party_demands",
    "officer_measures",
)

_ITEM_SCHEMA: dict[str, Any] = {
    "type": ["object", "null"],
    "properties": {
        "text": {"type": "string", "minLength": 1, "maxLength": 400},
        "segment_ids": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    },
    "required": ["text", "segment_ids"],
    "additionalProperties": False,
}
SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": dict.fromkeys(SUMMARY_FIELDS, _ITEM_SCHEMA),
    "required": list(SUMMARY_FIELDS),
    "additionalProperties": False,
}

_SYSTEM = (
    "你是公安法制员助手。根据执法录音转写，输出事件结构化摘要 JSON，字段为 cause(起因)、course(经过)、"
    "result(结果)、conflict_focus(矛盾焦点)、party_demands(当事人诉求)、officer_measures(民警措施)。"
    "每个字段是 {text, segment_ids} 或 null；segment_ids 只能使用转写中给出的编号；不得编造内容。"
    "只输出 JSON。"
)


class LlmOptions(BaseModel):
    """Attributes:
    url: server base URL (``http://127.0.0.1:8000`` or ``.../v1``); null disables the LLM.
    model: model name the server serves (e.g. ``Qwen2.5-7B-Instruct``).
    timeout_s: per-request timeout; on expiry the extractive summary is used.
    max_tokens, temperature: generation settings.
    api_key_env: environment variable holding a bearer token (secrets never live in YAML).
    max_transcript_chars: transcript text sent is cut to this length.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None
    model: str | None
    timeout_s: float = Field(gt=0)
    max_tokens: int = Field(ge=16)
    temperature: float = Field(ge=0.0, le=2.0)
    api_key_env: str
    max_transcript_chars: int = Field(ge=200)


class LlmError(RuntimeError):
    """The endpoint failed or answered something that is not valid for the caller's schema."""


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=400)
    segment_ids: list[str] = Field(min_length=1)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cause: _Item | None
    course: _Item | None
    result: _Item | None
    conflict_focus: _Item | None
    party_demands: _Item | None
    officer_measures: _Item | None


def _endpoint(url: str) -> str:
    base = url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if not base.endswith("/v1"):
        base += "/v1"
    return base + "/chat/completions"


AnswerT = TypeVar("AnswerT", bound=BaseModel)


class LlmClient:
    """The one HTTP client of the rules layer's LLM uses (summary and adjudicator).

    It posts a chat request that asks for JSON of a given schema and validates the reply against a
    pydantic model; every failure (network, timeout, HTTP error, malformed or off-schema JSON) is one
    :class:`LlmError`, so each caller has exactly one failure to turn into its own fallback.
    """

    def __init__(self, options: LlmOptions) -> None:
        self.options = options

    @property
    def enabled(self) -> bool:
        return bool(self.options.url and self.options.model)

    def transcript_text(self, transcript: Transcript) -> str:
        """``[seg-id] role: text`` lines, cut to ``max_transcript_chars``: what the model may cite."""
        lines = [f"[{u.id}] {u.role or u.speaker}: {u.text.strip()}" for u in transcript.utterances]
        return "\n".join(lines)[: self.options.max_transcript_chars]

    def ask(
        self,
        *,
        system: str,
        user: str,
        schema_name: str,
        schema: dict[str, Any],
        answer: type[AnswerT],
    ) -> AnswerT:
        """One call; the validated answer, or :class:`LlmError` on any failure."""
        o = self.options
        if not self.enabled:
            raise LlmError("LLM endpoint is not configured (summary.llm.url / model)")
        body = {
            "model": o.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "temperature": o.temperature,
            "max_tokens": o.max_tokens,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema},
            },
        }
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(o.api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        req = urllib.request.Request(
            _endpoint(o.url or ""),
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers=headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=o.timeout_s) as resp:
                raw = resp.read()
        except (urllib.error.URLError, TimeoutError, OSError) as e:
            raise LlmError(f"LLM endpoint failed: {e}") from e
        try:
            content = json.loads(raw)["choices"][0]["message"]["content"]
            return answer.model_validate(json.loads(_strip_fence(content)))
        except (ValueError, KeyError, IndexError, TypeError, ValidationError) as e:
            raise LlmError(f"LLM answer is not a valid {schema_name}: {e}") from e


def check_cited(segment_ids: list[str], known: set[str], where: str) -> None:
    """Raise :class:`LlmError` when the answer cites a segment the transcript does not have."""
    bad = [s for s in segment_ids if s not in known]
    if bad:
        raise LlmError(f"LLM answer cites unknown segments {bad[:3]} in {where}")


class LlmSummarizer:
    """Asks the endpoint for the six summary fields; ``summarize`` never raises."""

    def __init__(self, options: LlmOptions) -> None:
        self.options = options
        self.client = LlmClient(options)

    @property
    def enabled(self) -> bool:
        return self.client.enabled

    def request(self, transcript: Transcript, extractive: Summary) -> Summary:
        """One call; raises :class:`LlmError` on any failure (the caller decides on fallback)."""
        user = (
            "转写：\n"
            + self.client.transcript_text(transcript)
            + "\n\n抽取式草稿（可改写）：\n"
            + json.dumps(extractive.model_dump(exclude={"method", "model"}), ensure_ascii=False)
        )
        answer = self.client.ask(
            system=_SYSTEM,
            user=user,
            schema_name="summary",
            schema=SUMMARY_SCHEMA,
            answer=_Answer,
        )
        known = {u.id for u in transcript.utterances}
        items: dict[str, SummaryItem | None] = {}
        for name in SUMMARY_FIELDS:
            it: _Item | None = getattr(answer, name)
            if it is None:
                items[name] = None
                continue
            check_cited(it.segment_ids, known, name)
            items[name] = SummaryItem(text=it.text, segment_ids=list(it.segment_ids))
        return Summary(method="llm", model=self.options.model, **items)

    def summarize(self, transcript: Transcript, extractive: Summary) -> Summary:
        """The LLM summary, or ``extractive`` when the LLM is off or fails."""
        if not self.enabled:
            return extractive
        try:
            return self.request(transcript, extractive)
        except LlmError as e:
            logger.warning("LLM summary unavailable, using the extractive one: %s", e)
            return extractive


def _strip_fence(content: str) -> str:
    """Some servers wrap JSON in a Markdown fence even when asked not to."""
    s = content.strip()
    if s.startswith("```"):
        s = s.split("\n", 1)[1] if "\n" in s else ""
        if s.rstrip().endswith("```"):
            s = s.rstrip()[:-3]
    return s
