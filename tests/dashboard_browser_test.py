"""The dashboard in a real browser (headless chromium): a page built from the history that real
deploys and rollbacks of the loopback test service wrote; the live page's actions."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ._browser import DESKTOP, PHONE, Browser
from ._dashboard_support import TOKEN, deploy_story, serving
from ._deploy_support import ServiceRepo, statuses

# AVA_SAFETY_SCREENSHOTS=DIR keeps the screenshots there (the README's comes from this test)
SHOTS = os.environ.get("AVA_SAFETY_SCREENSHOTS")
# elements sticking out of their panel or the window, except inside a horizontally scrolling box
OVERFLOWING = """() => Array.from(document.querySelectorAll('body *'))
  .filter((el) => !el.closest('.scroll') && el.getClientRects().length)
  .filter((el) => {
    const box = el.closest('section');
    const edge = box && box !== el ? box.getBoundingClientRect().right : Infinity;
    const right = Math.min(window.innerWidth, edge);
    return el.getBoundingClientRect().right > right + 0.5;
  })
  .map((el) => el.tagName + '.' + el.className + ' ' + (el.textContent || '').slice(0, 40))"""


def _texts(page: object, selector: str) -> list[str]:
    return [" ".join(t.split()) for t in page.locator(selector).all_inner_texts()]  # type: ignore[attr-defined]


def test_the_written_page_shows_the_services_versions_rollbacks_and_scores(
    service_repo: ServiceRepo, browser: Browser, tmp_path: Path
) -> None:
    repo = service_repo
    deploy_story(repo)
    assert repo.run("constitutional-compliance", "--all-files").returncode == 0
    (repo.path / "extra.py").write_text("def f():\n    try:\n        return 1\n    except:\n        pass\n")
    assert repo.run("constitutional-compliance", "--all-files", "extra.py").returncode == 1  # bare except
    assert repo.run("syntax-imports", "--all-files").returncode == 0
    out = tmp_path / "dashboard.html"
    made = repo.run("dashboard", "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"wrote {out} (1 services: 1 up, 0 down, 0 drifted; 5 events)")
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "the page must not load anything"

    page = browser.page(DESKTOP)
    page.goto(out.as_uri())
    card = page.locator("#service-list .card")
    assert card.count() == 1
    facts = dict(zip(_texts(card, "dt"), _texts(card, "dd"), strict=True))
    assert _texts(card, "h3") == ["web"] and "UP" in card.locator(".state").inner_text()
    assert facts["Running"] == "1.0.0"
    assert facts["Recorded"].startswith("v1.0.0 (") and facts["Recorded"].endswith(", #5)")
    assert facts["Last deploy"].startswith("v3.0.0 (") and "deployed" in facts["Last deploy"]
    assert facts["Last rollback"].startswith("v1.0.0 (") and "rolled back" in facts["Last rollback"]
    assert facts["Health now"].startswith("healthy · HTTP 200 · ")
    assert facts["Uptime"].startswith("100% of the last 1 checks")

    events = page.locator("#timeline > li")
    assert events.count() == 5
    assert _texts(page, "#timeline .badge") == [
        "↶ ROLLED BACK", "✓ DEPLOYED", "↶ ROLLED BACK", "✕ FAILED", "✓ DEPLOYED"
    ]  # fmt: skip
    titles = _texts(page, "#timeline strong")
    assert titles == [
        "#5 web rollback to v1.0.0", "#4 web v3.0.0", "#3 web rollback to v1.0.0", "#2 web v2.0.0",
        "#1 web v1.0.0",
    ]  # fmt: skip
    failed = page.locator("#event-2")
    assert "health: status 500, expected 200" in failed.locator(".error").inner_text()
    assert "rolled back by #3" in failed.locator(".event-link").inner_text()
    assert "undoes #4" in page.locator("#event-5 .event-link").inner_text()
    assert "by Test" in failed.locator(".event-meta").inner_text()
    log = page.locator("#event-5 .event-link a", has_text="log").get_attribute("href")
    assert log is not None and log.startswith("file:///") and log.endswith(".log")
    assert Path(log.removeprefix("file://")).read_text().startswith(tuple("0123456789"))
    page.locator("#event-2 summary").click()
    assert "release 2.0.0" in page.locator("#event-2 details").inner_text()

    result = json.loads((repo.path / ".git/ava-safety/results/constitutional-compliance.json").read_text())
    overall = result["score"]["overall"]
    assert page.locator("#overall").inner_text() == f"{overall:.1f} / 100"
    assert page.locator("#principles li").count() == len(result["score"]["principles"])
    first = result["score"]["principles"][0]
    assert _texts(page, "#principles li")[0].startswith(f"{first['name']} {first['score']:.1f}")
    assert page.locator("#trend svg .dot").count() == 2  # two scored runs
    assert page.locator("#trend svg line.min").count() == 1
    verdicts = _texts(page, "#check-rows td:nth-child(2)")
    hooks = dict(zip(_texts(page, "#check-rows th"), verdicts, strict=True))
    assert set(hooks) == {"constitutional-compliance", "syntax-imports"}
    assert hooks["constitutional-compliance"] == ("✓ PASSED" if result["exit_code"] == 0 else "✕ BLOCKED")
    assert not page.locator("#risk").is_visible() and not page.locator("#database").is_visible()
    assert not page.locator("#actions").is_visible()  # actions are for serve only
    week = _texts(page, "#weekly-list tbody tr")[-1]
    assert week == "Last 8 weeks 3 67% 1 2 (1 automatic) 0"
    page.select_option("#filter", "web")
    assert page.locator("#timeline > li").count() == 5
    assert page.evaluate(OVERFLOWING) == []
    page.evaluate("window.scrollTo(0, 0)")
    _screenshot(page, tmp_path, "dashboard-desktop.png")

    phone = browser.page(PHONE)
    phone.goto(out.as_uri())
    overflow = phone.evaluate(OVERFLOWING)
    assert overflow == [], f"wider than a phone: {overflow}"
    assert phone.locator("#service-list .card").is_visible()
    _screenshot(phone, tmp_path, "dashboard-phone.png")
    assert browser.errors == []


def _screenshot(page: object, tmp_path: Path, name: str) -> None:
    target = Path(SHOTS) / name if SHOTS else tmp_path / name
    full = "phone" in name
    page.screenshot(path=str(target), full_page=full)  # type: ignore[attr-defined]
    assert target.stat().st_size > 10_000


def test_live_page_refuses_actions_without_the_token_and_rolls_back_with_it(
    service_repo: ServiceRepo, browser: Browser
) -> None:
    repo = service_repo
    assert repo.run("deploy").returncode == 0
    repo.release("2.0.0")
    assert repo.run("deploy").returncode == 0
    assert repo.serving() == "2.0.0"
    with serving(repo) as served:
        page = browser.page(DESKTOP)
        page.goto(served.url)
        page.locator("#live").wait_for(state="visible", timeout=15_000)
        assert page.locator("#actions").is_visible()
        assert _texts(page, "#timeline strong") == ["#2 web v2.0.0", "#1 web v1.0.0"]

        refused = page.evaluate(
            """fetch('/api/actions/rollback', {method: 'POST', headers: {'Content-Type': 'application/json'},
                     body: JSON.stringify({service: 'web'})}).then(r => r.status)"""
        )
        assert refused == 403
        page.fill("#token", "not-the-token-at-all")
        page.click("#token-form button")
        page.click("#service-list .card [data-f=rollback]")
        dialog = page.locator("#confirm")
        dialog.wait_for(state="visible")
        assert "roll web back from v2.0.0 to v1.0.0" in dialog.inner_text().lower()
        page.click("#confirm-ok")
        page.locator("#action-text", has_text="refused").wait_for(timeout=15_000)
        assert repo.serving() == "2.0.0"
        assert statuses(repo.history()) == [
            ("deploy", "v1.0.0", "succeeded"), ("deploy", "v2.0.0", "succeeded")
        ]  # fmt: skip

        page.fill("#token", TOKEN)
        page.click("#token-form button")
        page.click("#service-list .card [data-f=rollback]")
        dialog.wait_for(state="visible")
        page.click("#confirm-ok")
        page.locator("#action-text", has_text="succeeded").wait_for(timeout=60_000)
        assert repo.serving() == "1.0.0"
        assert "rolled web back to v1.0.0" in page.locator("#action-output").inner_text()
        events = repo.history()
        assert statuses(events)[-1] == ("rollback", "v1.0.0", "succeeded")
        assert events[0]["reason"] == "emergency rollback from the dashboard"
        page.locator("#event-3").wait_for(timeout=15_000)  # the timeline refreshed without a reload
        assert _texts(page, "#timeline .badge")[0] == "↶ ROLLED BACK"
        assert page.locator("#service-list .card dd").nth(2).inner_text().startswith("v1.0.0 (")
        # the only errors: the browser's own lines for the refused requests
        assert [e for e in browser.errors if "status of 403" not in e] == []


def test_live_timeline_pages_older_events_and_filters_by_service(
    service_repo: ServiceRepo, browser: Browser
) -> None:
    from hooks._deploy.history import Event, SqliteHistory

    store = SqliteHistory(service_repo.path / ".git" / "ava-safety" / "history.sqlite3")
    for n in range(1, 131):
        at = f"2025-06-02T10:{n // 60:02d}:{n % 60:02d}.000Z"
        service = "web" if n % 2 else "api"
        store.record(Event(service=service, kind="deploy", status="succeeded", version=f"v{n}.0.0",
                           commit=f"{n:040x}", started_at=at, finished_at=at))  # fmt: skip
    store.close()
    with serving(service_repo) as served:
        page = browser.page(DESKTOP)
        page.goto(served.url)
        assert page.locator("#timeline > li").count() == 50
        assert _texts(page, "#timeline strong")[0] == "#130 api v130.0.0"
        page.click("#older")
        page.locator("#event-31").wait_for()
        assert page.locator("#timeline > li").count() == 100
        page.click("#older")
        page.locator("#event-1").wait_for()
        assert page.locator("#timeline > li").count() == 130 and not page.locator("#older").is_visible()
        page.select_option("#filter", "web")
        page.locator("#event-130").wait_for(state="detached")
        titles = _texts(page, "#timeline strong")
        assert len(titles) == 50 and all(" web " in t for t in titles) and titles[0] == "#129 web v129.0.0"
        page.click("#older")
        page.locator("#event-1").wait_for()
        assert page.locator("#timeline > li").count() == 65
        assert browser.errors == []
