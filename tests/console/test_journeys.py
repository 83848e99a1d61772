"""The console in a real browser against `make run`'s real system: the dispatcher creates,
assigns and plans an intervention; the technician on a 360 px phone starts it, adds a photo
and closes it; the client sees it closed and evaluates it. Every screen passes axe-core with
no serious or critical violation and runs under the gateway's CSP; screenshots are written
to tests/console/screenshots/.

Run under `flock /tmp/mif-system.lock` like the other system tests (fixed ports)."""

from __future__ import annotations

import re
import struct
import uuid
import zlib
from collections.abc import Iterator
from datetime import date, timedelta
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
    return {
        "admin": admin,
        "technicien": tech_user,
        "technicien_id": technicien_id,
        "client": client_user,
        "client_id": client_id,
        "serie": serie,
    }


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
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    shoot(page, name)
    violations = axe_violations(page)
    assert violations == [], (name, violations)
    assert problems == [], (name, problems)


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
        check_screen(mobile, "11-technicien-en-cours", mobile_problems)
        job.get_by_role("button", name="Clôturer").click()
        job.get_by_label("Solution apportée").fill("Joint du vérin remplacé, essai en charge OK")
        job.get_by_role("button", name="Confirmer la clôture").click()
        expect(mobile.get_by_test_id(f"job-{intervention_id}")).to_have_count(0)
        expect(mobile.get_by_test_id("pending-actions")).to_have_count(0)

        # --- the client: sees it closed, evaluates it -----------------------------------
        office = browser.new_context(
            viewport={"width": 1024, "height": 800}, locale="fr-FR", timezone_id="Africa/Casablanca"
        )  # type: ignore[attr-defined]
        portal = office.new_page()
        portal_problems = watch(portal)
        sign_in(portal, people["client"]["username"], people["client"]["password"])
        row = portal.get_by_test_id(f"client-intervention-{intervention_id}")
        expect(row.get_by_text("Clôturée", exact=True)).to_be_visible()
        check_screen(portal, "12-portail-client", portal_problems)
        row.get_by_role("radio").nth(3).check(force=True)
        row.get_by_role("button", name="Évaluer").click()
        expect(row.get_by_text("Votre note : 4/5")).to_be_visible()
        check_screen(portal, "13-portail-client-evalue", portal_problems)

        # the dispatcher's page shows the closed intervention, with its solution
        go(page, f"/interventions/{intervention_id}")
        expect(page.get_by_text("Clôturée", exact=True)).to_be_visible()
        expect(page.get_by_text("Joint du vérin remplacé, essai en charge OK")).to_be_visible()
        check_screen(page, "14-intervention-cloturee", problems)

    with httpx.Client(base_url=system, timeout=10) as api:
        closed = api.get(
            f"/api/v1/interventions/{intervention_id}", headers=bearer(people["admin"])
        ).json()
        assert closed["statut"] == "cloturee"
        assert closed["satisfaction_client"] == 4
        assert closed["solution"] == "Joint du vérin remplacé, essai en charge OK"
        assert closed["priorite"] == "urgente"
        assert closed["technicien_id"] == people["technicien_id"]
