"""The web console's first load and the board at 1,000 interventions, in headless Chromium
through the real gateway (auth + interventions behind it).

Figures: the JavaScript transferred on the first load of the board (gzip, as the gateway
sends it; goal < 300 KB), the time until the sign-in form answers and until the board shows
its first page after signing in, and the board scrolled to its end: keyset pages of 50
fetched as the user scrolls, never the whole list at once."""

from __future__ import annotations

import subprocess
import time

from tests.bench.auth import ADMIN_PASSWORD, ADMIN_USERNAME
from tests.bench.harness import PYTHON, ROOT, Bench
from tests.console.browser import chromium

AUTH_PORT = 48040
INTERVENTIONS_PORT = 48041
GATEWAY_PORT = 48042
ROWS = 1_000
JS_GOAL_KB = 300.0

SCRIPT_BYTES = """() => performance.getEntriesByType('resource')
  .filter(e => e.initiatorType === 'script' || e.name.endsWith('.js'))
  .reduce((sum, e) => sum + e.transferSize, 0)"""


def console(bench: Bench) -> None:
    from shared.migrations import upgrade

    bench.infrastructure()
    upgrade("auth", bench.database_url)
    upgrade("interventions", bench.database_url)
    bench.run_module(
        "auth.bootstrap",
        env={"MIF_ADMIN_USERNAME": ADMIN_USERNAME, "MIF_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    subprocess.run(
        [PYTHON, "-m", "interventions.datagen", f"--interventions={ROWS}", "--no-baseline",
         f"--database-url={bench.database_url}"],
        cwd=ROOT, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    auth = bench.start("auth-console", "auth.main:create_app", AUTH_PORT)
    service = bench.start(
        "interventions-console", "interventions.main:create_app", INTERVENTIONS_PORT
    )
    gw = bench.start(
        "gateway-console",
        "gateway.main:create_app",
        GATEWAY_PORT,
        env={"GATEWAY_AUTH_URL": auth.url, "GATEWAY_INTERVENTIONS_URL": service.url},
    )
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        page = context.new_page()
        pages: list[str] = []
        page.on(
            "request",
            lambda r: pages.append(r.url) if "/api/v1/interventions?" in r.url else None,
        )
        started = time.perf_counter()
        page.goto(gw.url + "/", wait_until="load")
        page.get_by_label("Identifiant").wait_for()
        form_ms = (time.perf_counter() - started) * 1000
        js_kb = page.evaluate(SCRIPT_BYTES) / 1024
        page.get_by_label("Identifiant").fill(ADMIN_USERNAME)
        page.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
        started = time.perf_counter()
        page.get_by_role("button", name="Se connecter").click()
        page.locator("[data-testid=board] tbody tr").first.wait_for()
        board_ms = (time.perf_counter() - started) * 1000
        js_kb_board = page.evaluate(SCRIPT_BYTES) / 1024
        rows = page.locator("[data-testid=board] tbody tr")
        first_page = rows.count()
        started = time.perf_counter()
        seen = first_page
        while True:
            page.mouse.wheel(0, 20_000)
            page.wait_for_timeout(50)
            more = page.get_by_role("button", name="Charger plus")
            if rows.count() == seen and more.count() == 0:
                break
            if rows.count() == seen:
                page.wait_for_function(
                    f"document.querySelectorAll('[data-testid=board] tbody tr').length > {seen}",
                    timeout=10_000,
                )
            seen = rows.count()
        scroll_ms = (time.perf_counter() - started) * 1000
        total = rows.count()
    fetched = len(pages)
    bench.notes.append(
        f"console first load: {js_kb:.1f} KB of JavaScript transferred (gzip) for the sign-in"
        f" page, {js_kb_board:.1f} KB with the board (goal < {JS_GOAL_KB:g} KB:"
        f" {'met' if js_kb_board < JS_GOAL_KB else 'NOT met'})"
    )
    bench.notes.append(
        f"console time to interactive: sign-in form {form_ms:.0f} ms; board's first page"
        f" {board_ms:.0f} ms after signing in"
    )
    bench.notes.append(
        f"console board at {ROWS:,} interventions: first page {first_page} rows; scrolled to"
        f" the end in {fetched} keyset requests of 50 ({total} rows, {scroll_ms:.0f} ms)"
    )
    for note in bench.notes[-3:]:
        print(f"  {note}", flush=True)
