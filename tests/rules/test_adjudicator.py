"""The LLM flag adjudicator against a real OpenAI-compatible HTTP server started on loopback.

The stub server answers /v1/chat/completions with the completion text a test sets: valid verdicts, or
one of the ways an answer goes wrong (malformed JSON, an unknown or extra flag, an invented segment, a
missing or repeated verdict, an ungrounded drop, a reply slower than the timeout). A valid answer is
applied through the real rule analyzer; every bad one must leave the rules' flags exactly as they were,
add no review hint, and say so in the log.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from detectors.types import Transcript, Utterance
from pipeline.config import load_config
from rules.analysis import RuleAnalyzer
from rules.errors import RulePackError
from rules.findings import Assessment


class _Stub(BaseHTTPRequestHandler):
    content = "{}"
    delay = 0.0
    requests: list[dict[str, Any]] = []

    def log_message(self, *args: Any) -> None:  # keep test output clean
        return

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body})
        if self.path != "/v1/chat/completions":
            self.send_response(404)
            self.end_headers()
            return
        time.sleep(self.delay)
        raw = json.dumps(
            {
                "id": "cmpl-1",
                "object": "chat.completion",
                "model": body.get("model"),
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": self.content}}
                ],
            }
        ).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _reset_stub() -> None:
    _Stub.content = "{}"
    _Stub.delay = 0.0
    _Stub.requests.clear()


def _transcript() -> Transcript:
    """A counter visit the rules flag three times: report not accepted, impatient, shirking."""
    lines = [
        ("officer", "什么事？快说。"),
        ("party", "我的手机被偷了，你们这帮废物管不管？"),
        ("officer", "你烦不烦，这事不归我们管，去找商场。"),
        ("officer", "再闹就把你拘了。"),
    ]
    utts = tuple(
        Utterance(f"seg-{i:04d}", i * 2.0, i * 2.0 + 1.5, f"S{i % 2}", r, t)  # type: ignore[arg-type]
        for i, (r, t) in enumerate(lines, 1)
    )
    return Transcript("rec-adj", "counter", 10.0, utts)


def _analyzer(url: str | None, *, enabled: bool = True, timeout: float = 1.0) -> RuleAnalyzer:
    cfg = load_config(
        overrides={
            "summary.llm.url": url,
            "summary.llm.model": "qwen-test",
            "summary.llm.timeout_s": timeout,
            "summary.adjudicator.enabled": enabled,
        }
    )
    return RuleAnalyzer.from_config(cfg)


def _baseline() -> Assessment:
    return _analyzer(None, enabled=False).assess(_transcript())


def _answer(*verdicts: tuple[str, str, list[str]], **extra: Any) -> str:
    return json.dumps(
        {
            "verdicts": [
                {"flag_id": f, "verdict": v, "reason": f"理由{f}", "segment_ids": s, **extra}
                for f, v, s in verdicts
            ]
        },
        ensure_ascii=False,
    )


def test_rules_raise_the_three_candidates() -> None:
    """The premise of every test below: the ids and codes the stub's answers refer to."""
    flags = _baseline().flags
    assert [(f.id, f.code) for f in flags] == [
        ("flag-001", "REPORT_NOT_ACCEPTED"),
        ("flag-002", "SPEECH_IMPATIENT"),
        ("flag-003", "SPEECH_SHIRKING"),
    ]


def test_valid_verdicts_are_applied(server: str) -> None:
    before = {f.id: f for f in _baseline().flags}
    _Stub.content = _answer(
        ("flag-001", "keep", ["seg-0002", "seg-0003"]),
        ("flag-002", "drop", ["seg-0003"]),
        ("flag-003", "review", ["seg-0003", "seg-0004"]),
    )
    a = _analyzer(server).assess(_transcript())

    assert [f.id for f in a.flags] == ["flag-001"]
    kept = a.flags[0]
    assert kept.evidence["llm"] == {
        "verdict": "keep",
        "reason": "理由flag-001",
        "segment_ids": ["seg-0002", "seg-0003"],
        "model": "qwen-test",
    }
    # the rules' own evidence survives next to the LLM's reason
    assert kept.model_copy(update={"evidence": {}}) == before["flag-001"].model_copy(
        update={"evidence": {}}
    )
    assert {k: v for k, v in kept.evidence.items() if k != "llm"} == before["flag-001"].evidence

    by_reason = {h.reason: h for h in a.review_hints}
    assert sorted(by_reason) == ["llm_dropped", "llm_review"]
    for reason, fid in (("llm_dropped", "flag-002"), ("llm_review", "flag-003")):
        h, f = by_reason[reason], before[fid]
        assert (h.code, h.rule_id, h.score, h.start, h.end, h.segment_ids, h.quote) == (
            f.code,
            f.rule_id,
            f.confidence,
            f.start,
            f.end,
            f.segment_ids,
            f.quote,
        )
        assert h.evidence["flag_id"] == fid
        assert h.evidence["llm"]["reason"] == f"理由{fid}"
    assert by_reason["llm_review"].evidence["llm"]["segment_ids"] == ["seg-0003", "seg-0004"]
    # tags read the adjudicated flags: a flag no longer raised tags nothing
    conduct = {t.tag for t in a.tags if t.dimension == "conduct"}
    assert conduct == {"report-not-accepted"}

    body = _Stub.requests[-1]["body"]
    assert body["model"] == "qwen-test"
    assert body["response_format"]["json_schema"]["name"] == "adjudication"
    user = body["messages"][1]["content"]
    assert "[seg-0003] officer: 你烦不烦" in user
    sent = json.loads(user.split("候选问题：\n", 1)[1])
    assert [(c["flag_id"], c["code"], c["rule_id"]) for c in sent] == [
        (f.id, f.code, f.rule_id) for f in before.values()
    ]
    assert sent[1]["quote"] == before["flag-002"].quote
    assert sent[1]["segment_ids"] == ["seg-0003"]
    assert sent[1]["explanation"] == before["flag-002"].explanation_zh


_ALL_KEPT = [("flag-001", "keep", ["seg-0002"]), ("flag-002", "keep", []), ("flag-003", "keep", [])]

BAD_ANSWERS = {
    "malformed_json": '{"verdicts": [这不是 JSON',
    "not_an_object": json.dumps(["keep", "keep", "keep"]),
    "unknown_verdict": _answer(
        ("flag-001", "keep", []), ("flag-002", "delete", ["seg-0003"]), ("flag-003", "keep", [])
    ),
    # the LLM tries to add a finding: an id the rules never raised
    "unknown_flag": _answer(
        ("flag-001", "drop", ["seg-0002"]),
        ("flag-002", "drop", ["seg-0003"]),
        ("flag-003", "drop", ["seg-0003"]),
        ("flag-004", "keep", ["seg-0004"]),
    ),
    # the LLM tries to add a finding by smuggling a code into a verdict
    "extra_field": _answer(*_ALL_KEPT, code="SPEECH_THREAT"),
    "invented_segment": _answer(
        ("flag-001", "keep", []), ("flag-002", "drop", ["seg-9999"]), ("flag-003", "keep", [])
    ),
    "invented_segment_on_keep": _answer(
        ("flag-001", "keep", ["seg-0002", "seg-0042"]),
        ("flag-002", "keep", []),
        ("flag-003", "keep", []),
    ),
    "missing_verdict": _answer(("flag-001", "drop", ["seg-0002"]), ("flag-002", "keep", [])),
    "duplicate_verdict": _answer(*_ALL_KEPT, ("flag-002", "drop", ["seg-0003"])),
    "ungrounded_drop": _answer(
        ("flag-001", "drop", []), ("flag-002", "keep", []), ("flag-003", "keep", [])
    ),
    "empty_reason": json.dumps(
        {
            "verdicts": [
                {"flag_id": f, "verdict": "drop", "reason": "", "segment_ids": ["seg-0003"]}
                for f in ("flag-001", "flag-002", "flag-003")
            ]
        }
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ANSWERS))
def test_bad_answer_changes_nothing(
    server: str, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    baseline = _baseline()
    _Stub.content = BAD_ANSWERS[case]
    with caplog.at_level(logging.WARNING, logger="vigil.rules"):
        a = _analyzer(server).assess(_transcript())
    assert len(_Stub.requests) == 1  # the server was asked, and its answer refused
    assert a.flags == baseline.flags
    assert a.review_hints == []
    assert a.tags == baseline.tags
    assert any("LLM adjudication unavailable" in r.getMessage() for r in caplog.records)


def test_timeout_changes_nothing(server: str, caplog: pytest.LogCaptureFixture) -> None:
    baseline = _baseline()
    _Stub.content = _answer(
        *[(f, "drop", ["seg-0003"]) for f in ("flag-001", "flag-002", "flag-003")]
    )
    _Stub.delay = 5.0
    analyzer, transcript = _analyzer(server, timeout=0.3), _transcript()
    t0 = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="vigil.rules"):
        a = analyzer.assess(transcript)
    # the 0.3 s timeout, not the 5 s reply, bounds the call (the margin is for a loaded machine)
    assert time.perf_counter() - t0 < 3.5
    assert a.flags == baseline.flags and a.review_hints == []
    assert any("endpoint failed" in r.getMessage() for r in caplog.records)


def test_unreachable_server_changes_nothing(caplog: pytest.LogCaptureFixture) -> None:
    baseline = _baseline()
    with caplog.at_level(logging.WARNING, logger="vigil.rules"):
        a = _analyzer("http://127.0.0.1:9/v1", timeout=0.5).assess(_transcript())
    assert a.flags == baseline.flags and a.review_hints == []
    assert any("LLM adjudication unavailable" in r.getMessage() for r in caplog.records)


def test_never_adds_a_flag_whatever_it_answers(server: str) -> None:
    """Across every answer, valid or not, the output holds only the rules' own candidates."""
    baseline = _baseline()
    raised = {(f.code, f.rule_id, f.start, f.end, tuple(f.segment_ids)) for f in baseline.flags}
    answers = [*BAD_ANSWERS.values(), _answer(*_ALL_KEPT)]
    for content in answers:
        _Stub.content = content
        a = _analyzer(server).assess(_transcript())
        out = [(f.code, f.rule_id, f.start, f.end, tuple(f.segment_ids)) for f in a.flags]
        out += [(h.code, h.rule_id, h.start, h.end, tuple(h.segment_ids)) for h in a.review_hints]
        assert sorted(out) == sorted(raised)


def test_off_by_default_asks_nobody(server: str) -> None:
    assert load_config().section("summary")["adjudicator"] == {"enabled": False}
    a = _analyzer(server, enabled=False).assess(_transcript())
    assert _Stub.requests == []
    assert a.flags == _baseline().flags and a.review_hints == []


def test_no_candidates_no_request(server: str) -> None:
    quiet = Transcript(
        "rec-quiet",
        "counter",
        4.0,
        (
            Utterance(
                "seg-0001",
                0.0,
                2.0,
                "S0",
                "officer",
                "您好，我是民警张三，警号123456，全程录音录像。",
            ),
        ),
    )
    a = _analyzer(server).assess(quiet)
    assert a.flags == [] and a.review_hints == []
    assert _Stub.requests == []


def test_enabled_without_endpoint_is_a_config_error() -> None:
    with pytest.raises(RulePackError, match=r"summary\.llm\.url and model"):
        _analyzer(None)


def test_unknown_adjudicator_key_is_refused() -> None:
    cfg = load_config(overrides={"summary.adjudicator.threshold": 0.5})
    with pytest.raises(RulePackError, match="threshold"):
        RuleAnalyzer.from_config(cfg)
