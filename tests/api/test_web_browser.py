"""The reviewer workspace in a real browser (Debian's Chromium via Playwright) against a real
``vigil serve`` subprocess whose worker processes a real synthetic Mandarin recording: upload it from
the ingest page and watch it until processed; sign in; filter the queue; open the flagged incident;
click a flag and find the player at its start with the transcript line lit; a dismissal without a
reason is refused; a confirmation by keyboard changes the queue counts and the rule's precision; a
chief of another unit cannot open it by URL; the page fits 1366x768; /docs and /redoc load offline.

Screenshots go to the test's temporary folder (never committed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from evaluation.synthesis import synthesize_scenario, write_wav
from tests.utils.api_factories import PASSWORD, UNIT_A, UNIT_B
from tests.utils.browser import (
    VIEWPORT,
    LiveServer,
    htmx_settled,
    launch_chromium,
    live_server,
    sign_in,
)

TURNS = [
    {"speaker": "S1", "role": "officer", "text": "您好，请坐，有什么需要帮助的？"},
    {"speaker": "S2", "role": "party", "text": "我的电动车在小区门口被偷了，我要报案。"},
    {"speaker": "S1", "role": "officer", "text": "这个不归我们管，你去别处报吧，明天再来。"},
]
PROCESS_TIMEOUT_MS = 600_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("live")) as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        b = launch_chromium(p)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        yield context.new_page()
    finally:
        context.close()


def api_token(server: LiveServer, username: str) -> dict[str, str]:
    r = httpx.post(
        f"{server.url}/login/access-token", data={"username": username, "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture(scope="module")
def processed(
    server: LiveServer, browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The ingest user uploads a synthetic counter recording from the page and watches its status
    panel (htmx polling) until the server's worker has analysed it; -> the incident as the API has it."""
    tmp = tmp_path_factory.mktemp("upload")
    rec = synthesize_scenario(TURNS, "counter", options=None, seed=7)
    wav = write_wav(tmp / "counter-visit.wav", rec.audio, rec.sample_rate)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        sign_in(page, server.url, "ingest")
        expect(page).to_have_url(f"{server.url}/ui/uploads")
        page.set_input_files("input[name=file]", str(wav))
        page.select_option("select[name=source]", "counter")
        page.fill("input[name=unit]", UNIT_A)
        page.fill("input[name=officer]", "P1001")
        page.fill("input[name=recorded_at]", "2026-03-02T09:30")
        page.click("#upload-form button[type=submit]")
        status = page.locator("#upload-status")
        expect(status).to_be_visible(timeout=60_000)
        assert status.get_attribute("data-status") in ("queued", "running", "done")
        page.screenshot(path=str(tmp / "upload-pending.png"))
        expect(status).to_have_attribute("data-status", "done", timeout=PROCESS_TIMEOUT_MS)
        expect(page.locator("#upload-done")).to_be_visible()
        page.screenshot(path=str(tmp / "upload-done.png"))
        rid = page.locator("#upload-status").get_attribute("hx-get")
        assert rid is None, "a finished status panel must stop polling"
    finally:
        context.close()
    listing = httpx.get(
        f"{server.url}/incidents", headers=api_token(server, "reviewer"), params={"unit": UNIT_A}
    ).json()
    assert listing["count"] == 1, listing
    incident_id = listing["data"][0]["id"]
    detail = httpx.get(
        f"{server.url}/incidents/{incident_id}", headers=api_token(server, "reviewer")
    ).json()
    assert detail["flags"], f"the shirking clip raised no flag: {server.log_tail()}"
    return detail


def test_ingest_user_has_no_queue(server: LiveServer, page: Page) -> None:
    sign_in(page, server.url, "ingest")
    response = page.goto(f"{server.url}/ui/queue")
    assert response is not None and response.status == 403
    assert page.locator("#queue-view").count() == 0


def test_wrong_password_is_refused(server: LiveServer, page: Page) -> None:
    sign_in(page, server.url, "reviewer", password="not-the-password")
    expect(page.locator("#login-error")).to_be_visible()
    assert page.url.startswith(f"{server.url}/ui/login")


def test_review_flow(
    server: LiveServer, page: Page, processed: dict[str, Any], tmp_path: Path
) -> None:
    incident_id = processed["recording"]["id"]
    flag = processed["flags"][0]
    sign_in(page, server.url, "reviewer")
    expect(page).to_have_url(f"{server.url}/ui/queue")
    expect(page.locator("#count-unreviewed")).to_have_text("1")
    row = page.locator(f"tr.queue-row[data-id='{incident_id}']")
    expect(row).to_have_count(1)

    # filters: a flag code the recording does not have empties the queue; its own code shows it
    page.select_option("select[name=flag]", "PHYSICAL_CONFRONTATION")
    expect(page.locator("#queue-empty")).to_be_visible()
    assert "flag=PHYSICAL_CONFRONTATION" in page.url
    htmx_settled(page)
    page.select_option("select[name=flag]", flag["code"])
    expect(row).to_have_count(1)
    htmx_settled(page)
    page.fill("input[name=unit]", UNIT_B)
    page.press("input[name=unit]", "Enter")
    expect(page.locator("#queue-empty")).to_be_visible()
    htmx_settled(page)
    page.fill("input[name=unit]", UNIT_A)
    page.press("input[name=unit]", "Enter")
    expect(row).to_have_count(1)
    htmx_settled(page)
    page.screenshot(path=str(tmp_path / "queue.png"))

    # open it; the flag list carries the document's start times
    row.locator("a").first.click()
    # the queue's filters travel along, for "back to queue" and "next unreviewed"
    expect(page).to_have_url(
        re.compile(rf"/ui/incidents/{incident_id}\?unit=.+&flag={flag['code']}$")
    )
    card = page.locator(f"#flag-{flag['id']}")
    expect(card).to_be_visible()
    assert float(card.get_attribute("data-start") or "nan") == pytest.approx(flag["start"])
    expect(card.locator(".provenance")).to_contain_text(flag["rule_id"])
    expect(card.locator(".quote")).to_contain_text(flag["quote"][:4])
    player = page.locator("#player")
    expect(player).to_have_attribute("preload", "metadata")
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=30_000)

    # click the flag: the player jumps to its start, and the utterance spoken there is lit
    card.locator(".flag-seek").click()
    t = page.evaluate("document.getElementById('player').currentTime")
    assert abs(t - flag["start"]) < 0.5, (t, flag["start"])
    current = page.locator("#transcript .seg.current")
    expect(current).to_have_count(1)
    seg_start = float(current.get_attribute("data-start") or "nan")
    seg_end = float(current.get_attribute("data-end") or "nan")
    assert seg_start - 0.5 <= t <= seg_end + 0.5
    page.screenshot(path=str(tmp_path / "incident.png"))

    # clicking a transcript line seeks there too
    last = page.locator("#transcript .seg").last
    last.click()
    t2 = page.evaluate("document.getElementById('player').currentTime")
    assert abs(t2 - float(last.get_attribute("data-start") or "nan")) < 0.5

    # a dismissal without a reason is refused by the server and changes nothing
    card.locator("button[data-act=d]").click()
    expect(card.locator(".decision .alert")).to_be_visible()
    expect(card.locator(".verdict")).to_have_attribute("data-verdict", "")
    api = api_token(server, "reviewer")
    after = httpx.get(f"{server.url}/incidents/{incident_id}", headers=api).json()
    assert all(not f["decisions"] for f in after["flags"])

    # confirm by keyboard: verdict, incident status and the queue's unreviewed count follow at once
    expect(page.locator("#unreviewed-left")).to_have_attribute("data-count", "1")
    htmx_settled(page)
    card.click()
    page.keyboard.press("c")
    expect(card.locator(".verdict")).to_have_attribute("data-verdict", "confirm")
    expect(page.locator("#unreviewed-left")).to_have_attribute("data-count", "0")
    expected_status = "reviewed" if len(processed["flags"]) == 1 else "in_review"
    expect(page.locator("#review-status")).to_have_attribute("data-status", expected_status)
    expect(card.locator(".precision")).to_contain_text("100%")
    after = httpx.get(f"{server.url}/incidents/{incident_id}", headers=api).json()
    decided = next(f for f in after["flags"] if f["id"] == flag["id"])
    assert decided["latest_verdict"] == "confirm"

    page.goto(f"{server.url}/ui/queue")
    expect(page.locator("#count-unreviewed")).to_have_text("0")
    expect(page.locator(f"#count-{expected_status}")).to_have_text("1")
    page.goto(f"{server.url}/ui/metrics")
    metric = page.locator(f"#metrics-table tr[data-rule='{flag['rule_id']}']").first
    expect(metric.locator(".confirmed")).to_have_text("1")
    expect(metric.locator(".precision")).to_have_text("100.0%")

    # "next unreviewed" with nothing left returns to the queue with a notice
    page.goto(f"{server.url}/ui/queue")
    page.click("#next-unreviewed")
    expect(page.locator("#queue-done")).to_be_visible()


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value)


def test_chief_of_another_unit_cannot_open_it(
    server: LiveServer, page: Page, processed: dict[str, Any], browser: Any
) -> None:
    incident_id = processed["recording"]["id"]
    sign_in(page, server.url, "chief_b")
    expect(page.locator("#queue-empty")).to_be_visible()
    response = page.goto(f"{server.url}/ui/incidents/{incident_id}")
    assert response is not None and response.status == 404
    assert page.locator("#transcript").count() == 0
    response = page.goto(f"{server.url}/ui/queue?unit={_q(UNIT_A)}")
    assert response is not None and response.status == 403
    # the chief of the recording's own unit can
    context = browser.new_context(viewport=VIEWPORT)
    try:
        own = context.new_page()
        sign_in(own, server.url, "chief_a")
        response = own.goto(f"{server.url}/ui/incidents/{incident_id}")
        assert response is not None and response.status == 200
        expect(own.locator("#transcript .seg").first).to_be_visible()
    finally:
        context.close()


def test_incident_page_fits_1366x768(
    server: LiveServer, page: Page, processed: dict[str, Any], tmp_path: Path
) -> None:
    sign_in(page, server.url, "reviewer")
    page.goto(f"{server.url}/ui/incidents/{processed['recording']['id']}")
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"horizontal scroll of {overflow}px at 1366x768"
    for selector in ("#player", "#flags .flag >> nth=0", "#transcript", "#next-unreviewed"):
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"], selector
        assert box["y"] >= 0 and box["y"] < VIEWPORT["height"], selector
    page.screenshot(path=str(tmp_path / "incident-1366x768.png"))


def test_english_switch(server: LiveServer, page: Page) -> None:
    sign_in(page, server.url, "reviewer")
    expect(page.locator("h1")).to_have_text("审查队列")
    page.click("#lang-switch")
    expect(page.locator("h1")).to_have_text("Triage queue")
    page.click("#lang-switch")
    expect(page.locator("h1")).to_have_text("审查队列")


def test_logout_revokes_the_session(server: LiveServer, page: Page, browser: Any) -> None:
    sign_in(page, server.url, "reviewer")
    cookies = page.context.cookies()
    session = next(c for c in cookies if c["name"] == "vigil_session")
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    page.click("#logout")
    expect(page).to_have_url(f"{server.url}/ui/login")
    replay = browser.new_context()
    try:
        replay.add_cookies([session])
        other = replay.new_page()
        other.goto(f"{server.url}/ui/queue")
        expect(other).to_have_url(f"{server.url}/ui/login?next=%2Fui%2Fqueue")
    finally:
        replay.close()


def test_docs_and_redoc_load_offline(server: LiveServer, page: Page) -> None:
    fetched: list[str] = []
    page.on("response", lambda r: fetched.append(r.url))
    page.goto(f"{server.url}/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=60_000)
    page.goto(f"{server.url}/redoc")
    expect(page.get_by_text("/incidents").first).to_be_visible(timeout=60_000)
    assert any(u.endswith("/docs-assets/swagger-ui-bundle.js") for u in fetched)
    assert any(u.endswith("/docs-assets/redoc.standalone.js") for u in fetched)
    foreign = [u for u in fetched if not u.startswith((server.url, "data:", "blob:"))]
    assert not foreign, foreign
