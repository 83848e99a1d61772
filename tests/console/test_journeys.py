"""The console in a real browser against `make run`'s real system: the dispatcher creates,
assigns and plans an intervention; the technician on a 360 px phone starts it, adds a photo
and a part from his van, and closes it; billing drafts the invoice, the dispatcher issues
it; the client sees the intervention closed, evaluates it and downloads the invoice PDF.
The browser session lives in the HttpOnly refresh cookie: a reload keeps it, logout ends
it. Every screen passes axe-core with no serious or critical violation and runs under the
gateway's CSP; screenshots are written to tests/console/screenshots/.

Run under `flock /tmp/mif-system.lock` like the other system tests (fixed ports)."""

from __future__ import annotations

import re
import struct
import time
import uuid
import zlib
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from shared.testing.infra import scratch_database

from tests.console.browser import axe_violations, chromium, shoot
from tests.system.supervised import Supervised
from tests.system.test_make_run import (
    ADMIN_PASSWORD,
    bearer,
    client_payload,
    login,
    private_redis,
    requires_full_system,
    retry_until,
    supervisor_env,
    user_payload,
    wait_background_started,
)

pytestmark = [pytest.mark.system, pytest.mark.timeout(420), requires_full_system]

PORT_BASE = 29100
BASE = f"http://127.0.0.1:{PORT_BASE}"


def png(width: int = 8, height: int = 8) -> bytes:
    """A small valid PNG (a photo stand-in) built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xc0\x40\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def system(
    postgres_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    data = Path(tmp_path_factory.mktemp("console-system"))
    data.chmod(0o755)
    with scratch_database(postgres_url) as database:
        env = supervisor_env(
            data / "data", PORT_BASE, DATABASE_URL=database, REDIS_URL=private_redis(redis_url)
        )
        run = Supervised(env).start()
        try:
            run.wait_ready(timeout=180)
            wait_background_started(run)
            yield BASE
        finally:
            run.stop()


@pytest.fixture(scope="module")
def people(system: str) -> dict[str, object]:
    """A technician, a client and the client's equipment, made through the API."""
    with httpx.Client(base_url=system, timeout=10) as api:
        admin = login(api, "admin", ADMIN_PASSWORD)
        tech_user = user_payload("technicien")
        tech_user["full_name"] = "Youssef Amrani"
        created = api.post(
            "/api/v1/techniciens",
            headers=bearer(admin),
            json={
                "user": tech_user,
                "specialite": "hydraulique",
                "disponibilite": "disponible",
                "equipe": "Equipe A",
                "zone_geographique": "Casablanca",
            },
        )
        assert created.status_code == 201, created.text
        technicien_id = created.json()["id"]
        client_user = user_payload("client")
        created = api.post(
            "/api/v1/clients", headers=bearer(admin), json=client_payload(client_user)
        )
        assert created.status_code == 201, created.text
        client_id = created.json()["id"]
        serie = f"PR-{uuid.uuid4().hex[:8]}"
        equipement = retry_until(
            lambda: api.post(
                "/api/v1/equipements",
                headers=bearer(admin),
                json={
                    "client_id": client_id,
                    "nom": "Presse hydraulique 200 t",
                    "numero_serie": serie,
                },
            ),
            201,
        )
        assert equipement.status_code == 201, equipement.text
        # the technician's replica reaches the interventions service through the events
        retry_until(
            lambda: api.get(
                "/api/v1/interventions",
                headers=bearer(admin),
                params={"technicien_id": technicien_id},
            ),
            200,
        )
        # a part in the technician's van: bought into the warehouse, 2 moved to the van
        reference = f"JT-{uuid.uuid4().hex[:6]}"
        piece = api.post(
            "/api/v1/pieces",
            headers=bearer(admin),
            json={"reference": reference, "nom": "Joint torique 80 mm", "stock_minimum": 1},
        )
        assert piece.status_code == 201, piece.text
        piece_id = piece.json()["id"]
        for movement in (
            {"type_mouvement": "entree", "quantite": 5, "emplacement": "entrepot",
             "prix_unitaire": "250.00"},
            {"type_mouvement": "transfert", "quantite": 2, "emplacement": "entrepot",
             "emplacement_destination": f"van-{technicien_id}"},
        ):  # fmt: skip
            moved = api.post(
                f"/api/v1/pieces/{piece_id}/mouvements", headers=bearer(admin), json=movement
            )
            assert moved.status_code == 201, moved.text
    return {
        "admin": admin,
        "technicien": tech_user,
        "technicien_id": technicien_id,
        "client": client_user,
        "client_id": client_id,
        "serie": serie,
        "piece": f"{reference} — Joint torique 80 mm",
    }


def billed_draft(api: httpx.Client, admin: dict, client_id: int, intervention_id: int) -> dict:
    """The client's draft invoice once billing has put the intervention's part on it (the
    closure and the part travel as events)."""
    deadline = time.monotonic() + 90
    while True:
        drafts = api.get(
            "/api/v1/factures",
            headers=bearer(admin),
            params={"client_id": client_id, "statut": "brouillon"},
        )
        assert drafts.status_code == 200, drafts.text
        for item in drafts.json()["items"]:
            detail = api.get(f"/api/v1/factures/{item['id']}", headers=bearer(admin)).json()
            if any(
                line["nature"] == "piece" and line["intervention_id"] == intervention_id
                for line in detail["lignes"]
            ):
                return detail
        assert time.monotonic() < deadline, "billing made no draft with the part"
        time.sleep(0.5)


def sign_in(page: object, username: str, password: str) -> None:
    page.goto(BASE + "/")  # type: ignore[attr-defined]
    page.get_by_label("Identifiant").fill(username)  # type: ignore[attr-defined]
    page.get_by_label("Mot de passe").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Se connecter").click()  # type: ignore[attr-defined]


def go(page: object, path: str) -> None:
    """Navigate inside the single-page app (a reload would need the refresh cookie)."""
    page.evaluate(  # type: ignore[attr-defined]
        "p => { history.pushState({}, '', p); dispatchEvent(new PopStateEvent('popstate')) }", path
    )


def check_screen(page: object, name: str, problems: list[str]) -> None:
    quiet(page)
    shoot(page, name)
    violations = axe_violations(page)
    assert violations == [], (name, violations)
    assert problems == [], (name, problems)


STREAM = "/api/v1/notifications/stream"


def quiet(page: object, settle_ms: int = 500, timeout_s: float = 30) -> None:
    """Wait until no request is in flight for `settle_ms`, the event stream excepted (it
    stays open while signed in, so Playwright's "networkidle" may never come)."""
    busy: set[object] = page._mif_busy  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout_s
    calm_since: float | None = None
    while time.monotonic() < deadline:
        if busy:
            calm_since = None
        elif calm_since is None:
            calm_since = time.monotonic()
        elif time.monotonic() - calm_since >= settle_ms / 1000:
            return
        page.wait_for_timeout(100)  # type: ignore[attr-defined]
    raise AssertionError(f"requests still in flight after {timeout_s} s: {busy}")


def watch(page: object) -> list[str]:
    """Console errors that mean the page broke: CSP refusals and uncaught exceptions."""
    problems: list[str] = []
    page.on(  # type: ignore[attr-defined]
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))  # type: ignore[attr-defined]
    busy: set[object] = set()
    page._mif_busy = busy  # type: ignore[attr-defined]
    page.on(  # type: ignore[attr-defined]
        "request", lambda r: busy.add(r) if STREAM not in r.url else None
    )
    page.on("requestfinished", lambda r: busy.discard(r))  # type: ignore[attr-defined]
    page.on("requestfailed", lambda r: busy.discard(r))  # type: ignore[attr-defined]
    return problems


def test_three_journeys(system: str, people: dict, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    title = f"Fuite sur vérin {uuid.uuid4().hex[:4]}"
    tomorrow = date.today() + timedelta(days=1)
    with chromium() as browser:
        # --- the dispatcher: create, assign, plan ---------------------------------------
        desk = browser.new_context(
            viewport={"width": 1280, "height": 860}, locale="fr-FR", timezone_id="Africa/Casablanca"
        )  # type: ignore[attr-defined]
        page = desk.new_page()
        problems = watch(page)
        page.goto(BASE + "/")
        expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
        check_screen(page, "01-connexion", problems)
        sign_in(page, "admin", "wrong-password")
        expect(page.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect")
        page.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("heading", name="Tableau de répartition")).to_be_visible()
        assert page.evaluate("JSON.stringify(localStorage)") in (
            "{}",
            '{"mif.offline-actions":"[]"}',
        )
        # the refresh token is an HttpOnly cookie scoped to the refresh path, out of reach
        # of the page's script; a reload brings the session back from it
        [refresh_cookie] = [c for c in desk.cookies() if c["name"] == "mif_refresh"]
        assert refresh_cookie["httpOnly"] is True
        assert refresh_cookie["sameSite"] == "Strict"
        assert refresh_cookie["path"] == "/api/v1/auth/refresh"
        assert page.evaluate("document.cookie") == ""
        # (in a second tab: once signed in, the page's event stream keeps the network busy,
        # and check_screen waits for a quiet network after the page's own load)
        tab = desk.new_page()
        tab.goto(BASE + "/tableau")
        expect(tab.get_by_role("heading", name="Tableau de répartition")).to_be_visible()
        tab.reload()
        expect(tab.get_by_role("heading", name="Tableau de répartition")).to_be_visible()
        tab.close()

        page.get_by_role("button", name="Nouvelle intervention").click()
        dialog = page.get_by_role("dialog", name="Nouvelle intervention")
        dialog.get_by_role("textbox", name="Équipement").click()
        page.get_by_role("option", name=re.compile(people["serie"])).click()
        dialog.get_by_label("Titre").fill(title)
        dialog.get_by_role("textbox", name="Priorité").click()
        page.get_by_role("option", name="Urgente").click()
        check_screen(page, "02-nouvelle-intervention", problems)
        dialog.get_by_role("button", name="Créer").click()

        expect(page.get_by_role("heading", name=re.compile(title))).to_be_visible()
        intervention_id = int(re.search(r"/interventions/(\d+)", page.url).group(1))
        expect(page.get_by_text("Ouverte", exact=True)).to_be_visible()
        page.get_by_role("textbox", name="Technicien").click()
        page.get_by_role("option", name=re.compile("Youssef Amrani")).click()
        expect(page.get_by_text(re.compile("Charge actuelle : 0"))).to_be_visible()
        page.get_by_role("button", name="Affecter").click()
        expect(page.get_by_text("Affectée", exact=True)).to_be_visible()

        page.get_by_label("Début", exact=True).fill(f"{tomorrow.isoformat()}T09:00")
        page.get_by_label("Fin", exact=True).fill(f"{tomorrow.isoformat()}T11:00")
        page.get_by_role("button", name="Planifier").click()
        expect(page.get_by_test_id("planning-slot")).to_contain_text("09:00")
        expect(page.get_by_test_id("chain-badge")).to_have_text(re.compile("Chaîne vérifiée"))
        check_screen(page, "03-intervention-dispatcher", problems)

        go(page, "/tableau")
        expect(page.get_by_role("link", name=title)).to_be_visible()
        page.get_by_role("textbox", name="Statut").click()
        page.get_by_role("option", name="Clôturée").click()
        expect(page.get_by_text("Aucune intervention pour ces filtres.")).to_be_visible()
        page.get_by_role("textbox", name="Statut").click()
        page.get_by_role("option", name="Affectée").click()
        expect(page.get_by_role("link", name=title)).to_be_visible()
        check_screen(page, "04-tableau", problems)
        for path, heading, name in (
            ("/planning", "Planning des techniciens", "05-planning"),
            ("/equipements", "Équipements", "06-equipements"),
            ("/techniciens", "Techniciens", "07-techniciens"),
            ("/clients", "Clients", "08-clients"),
            ("/stock", "Stock", "08b-stock"),
            ("/factures", "Contrats et factures", "08c-factures"),
            ("/rapports", "Rapports", "08d-rapports"),
            ("/indicateurs", "Indicateurs", "09-indicateurs"),
        ):
            go(page, path)
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            check_screen(page, name, problems)

        # --- the technician on a phone: start, photo, close ----------------------------
        phone = browser.new_context(
            viewport={"width": 360, "height": 740},
            locale="fr-FR",
            timezone_id="Africa/Casablanca",
            is_mobile=True,
            has_touch=True,
        )  # type: ignore[attr-defined]
        mobile = phone.new_page()
        mobile_problems = watch(mobile)
        sign_in(mobile, people["technicien"]["username"], people["technicien"]["password"])
        job = mobile.get_by_test_id(f"job-{intervention_id}")
        expect(job).to_be_visible()
        check_screen(mobile, "10-technicien-ma-journee", mobile_problems)
        job.get_by_role("button", name="Démarrer").click()
        expect(job.get_by_text("En cours", exact=True)).to_be_visible()
        photo = tmp_path / "photo-verin.png"
        photo.write_bytes(png())
        job.locator("input[type=file]").set_input_files(str(photo))
        job.get_by_role("button", name="Envoyer").click()
        expect(job.get_by_text(re.compile(r"\(photo,"))).to_be_visible()
        job.get_by_role("button", name=f"Utiliser {people['piece']}").click()
        used = job.get_by_role("table", name="Pièces utilisées")
        expect(used).to_contain_text(people["piece"])
        expect(used).to_contain_text("\u00d7 1")
        expect(job.get_by_test_id("parts-total")).to_have_text("Coût des pièces : 250.00 MAD")
        expect(job.get_by_text(f"{people['piece']} (1)")).to_be_visible()  # one left in the van
        check_screen(mobile, "11-technicien-en-cours", mobile_problems)
        job.get_by_role("button", name="Clôturer").click()
        job.get_by_label("Solution apportée").fill("Joint du vérin remplacé, essai en charge OK")
        job.get_by_role("button", name="Confirmer la clôture").click()
        expect(mobile.get_by_test_id(f"job-{intervention_id}")).to_have_count(0)
        expect(mobile.get_by_test_id("pending-actions")).to_have_count(0)

        # the dispatcher's bell, on the stream, shows the closure without a reload
        bell = page.get_by_role("button", name=re.compile(r"^Notifications : .*\(en direct\)$"))
        bell.click()
        expect(page.get_by_text(f"Intervention n°{intervention_id} clôturée")).to_be_visible(
            timeout=30_000
        )
        page.keyboard.press("Escape")

        # --- billing drafts the invoice, the dispatcher issues it ------------------------
        with httpx.Client(base_url=system, timeout=10) as api:
            draft = billed_draft(api, people["admin"], people["client_id"], intervention_id)
        [part_line] = [line for line in draft["lignes"] if line["nature"] == "piece"]
        assert part_line["designation"].startswith(f"Pièce {people['piece'].split(' — ')[0]}")
        assert Decimal(part_line["quantite"]) == Decimal(1)
        assert Decimal(part_line["prix_unitaire"]) == Decimal("250.00")
        assert Decimal(part_line["montant_ttc"]) == Decimal("300.00")  # 20 % VAT
        page.goto(BASE + "/factures")  # a full load: the session comes back from the cookie
        invoice = page.get_by_test_id(f"facture-{draft['id']}")
        expect(invoice).to_contain_text("Brouillon")
        invoice.get_by_role("button", name=f"Émettre brouillon n° {draft['id']}").click()
        expect(invoice.get_by_text("Émise", exact=True)).to_be_visible()
        check_screen(page, "15-facture-emise", problems)

        # --- the client: sees it closed, evaluates it, downloads the invoice ----------------
        office = browser.new_context(
            viewport={"width": 1024, "height": 800}, locale="fr-FR", timezone_id="Africa/Casablanca"
        )  # type: ignore[attr-defined]
        portal = office.new_page()
        portal_problems = watch(portal)
        sign_in(portal, people["client"]["username"], people["client"]["password"])
        row = portal.get_by_test_id(f"client-intervention-{intervention_id}")
        expect(row.get_by_text("Clôturée", exact=True)).to_be_visible()
        check_screen(portal, "12-portail-client", portal_problems)
        # the stars' radio inputs are visually hidden: the user clicks the fourth star, the
        # label of the input named "4"
        star = row.get_by_role("radio", name="4", exact=True).get_attribute("id")
        row.locator(f'label[for="{star}"]').click()
        row.get_by_role("button", name="Évaluer").click()
        expect(row.get_by_text("Votre note : 4/5")).to_be_visible()
        check_screen(portal, "13-portail-client-evalue", portal_problems)
        bill = portal.get_by_test_id(f"client-facture-{draft['id']}")
        expect(bill).to_contain_text("Émise")
        with portal.expect_download() as download:
            bill.get_by_role("button", name=re.compile("PDF de la facture")).click()
        assert download.value.suggested_filename.endswith(".pdf")
        assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"

        # the dispatcher's page shows the closed intervention, with its solution
        go(page, f"/interventions/{intervention_id}")
        expect(page.get_by_text("Clôturée", exact=True)).to_be_visible()
        expect(page.get_by_text("Joint du vérin remplacé, essai en charge OK")).to_be_visible()
        check_screen(page, "14-intervention-cloturee", problems)

        # logout ends the session: the cookie is gone and a reload asks to sign in
        page.get_by_role("button", name="Se déconnecter").click()
        expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
        assert [c for c in desk.cookies() if c["name"] == "mif_refresh"] == []
        page.reload()
        expect(page.get_by_role("heading", name="Connexion")).to_be_visible()

    with httpx.Client(base_url=system, timeout=10) as api:
        closed = api.get(
            f"/api/v1/interventions/{intervention_id}", headers=bearer(people["admin"])
        ).json()
        assert closed["statut"] == "cloturee"
        assert closed["satisfaction_client"] == 4
        assert closed["solution"] == "Joint du vérin remplacé, essai en charge OK"
        assert closed["priorite"] == "urgente"
        assert closed["technicien_id"] == people["technicien_id"]
