"""The LLM summary client against a real OpenAI-compatible HTTP server started on loopback.

The stub server answers /v1/chat/completions with canned completions chosen per test: a valid summary,
invalid JSON, a summary citing invented segments, or a reply slower than the client's timeout. Every
failure must fall back to the extractive summary.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from detectors.types import Transcript, Utterance
from pipeline.config import load_config
from rules.analysis import RuleAnalyzer
from rules.llm import LlmError, LlmOptions, LlmSummarizer


class _Stub(BaseHTTPRequestHandler):
    mode = "valid"
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
        if self.mode == "slow":
            time.sleep(6.0)
        content = {
            "valid": json.dumps(
                {
                    "cause": {"text": "当事人报称手机被盗", "segment_ids": ["seg-0002"]},
                    "course": None,
                    "result": {"text": "民警按盗窃受理", "segment_ids": ["seg-0003"]},
                    "conflict_focus": None,
                    "party_demands": {"text": "希望找回手机", "segment_ids": ["seg-0002"]},
                    "officer_measures": {"text": "调取监控", "segment_ids": ["seg-0003"]},
                },
                ensure_ascii=False,
            ),
            "invalid": "{这不是 JSON",
            "invented": json.dumps(
                {
                    "cause": {"text": "编造", "segment_ids": ["seg-9999"]},
                    "course": None,
                    "result": None,
                    "conflict_focus": None,
                    "party_demands": None,
                    "officer_measures": None,
                }
            ),
            "slow": "{}",
        }[self.mode]
        raw = json.dumps(
            {
                "id": "cmpl-1",
                "object": "chat.completion",
                "model": body.get("model"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
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
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _transcript() -> Transcript:
    lines = [
        ("officer", "您好，什么事？"),
        ("party", "我的手机被偷了，希望你们帮我找回来。"),
        ("officer", "好的，按盗窃受理，我们调取监控。"),
    ]
    utts = tuple(
        Utterance(f"seg-{i:04d}", i * 2.0, i * 2.0 + 1.5, f"S{i % 2}", r, t)  # type: ignore[arg-type]
        for i, (r, t) in enumerate(lines, 1)
    )
    return Transcript("rec-llm", "counter", 8.0, utts)


def _analyzer(url: str | None, timeout: float = 1.0) -> RuleAnalyzer:
    cfg = load_config(
        overrides={
            "summary.method": "llm",
            "summary.llm.url": url,
            "summary.llm.model": "qwen-test",
            "summary.llm.timeout_s": timeout,
        }
    )
    return RuleAnalyzer.from_config(cfg)


def test_valid_answer_is_used(server: str) -> None:
    _Stub.mode = "valid"
    _Stub.requests.clear()
    s = _analyzer(server + "/v1").assess(_transcript()).summary
    assert s is not None and s.method == "llm" and s.model == "qwen-test"
    assert s.cause is not None and s.cause.text == "当事人报称手机被盗"
    assert s.course is None
    req = _Stub.requests[-1]
    assert req["body"]["model"] == "qwen-test"
    assert req["body"]["response_format"]["type"] == "json_schema"
    assert "seg-0002" in req["body"]["messages"][1]["content"]


@pytest.mark.parametrize("mode", ["invalid", "invented", "slow"])
def test_bad_answers_fall_back_to_extractive(server: str, mode: str) -> None:
    _Stub.mode = mode
    analyzer = _analyzer(server, timeout=0.5)
    t0 = time.perf_counter()
    s = analyzer.assess(_transcript()).summary
    assert s is not None and s.method == "extractive" and s.model is None
    assert s.cause is not None and s.cause.segment_ids == ["seg-0002"]
    assert time.perf_counter() - t0 < 4.0  # the 0.5 s timeout, not the 6 s reply, bounds the call


def test_request_raises_for_each_failure(server: str) -> None:
    opts = LlmOptions.model_validate(
        {**load_config().section("summary")["llm"], "url": server, "model": "m", "timeout_s": 0.5}
    )
    client = LlmSummarizer(opts)
    extractive = _analyzer(None).assess(_transcript()).summary
    assert extractive is not None
    for mode, msg in (
        ("invalid", "not a valid summary"),
        ("invented", "unknown segments"),
        ("slow", "failed"),
    ):
        _Stub.mode = mode
        with pytest.raises(LlmError, match=msg):
            client.request(_transcript(), extractive)


def test_unreachable_server_falls_back() -> None:
    s = _analyzer("http://127.0.0.1:9/v1", timeout=0.5).assess(_transcript()).summary
    assert s is not None and s.method == "extractive"
