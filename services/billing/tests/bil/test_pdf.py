"""The PDF of a three-line invoice and of a credit note: every mandatory mention and
every amount, read back from the file's text."""

from __future__ import annotations

import io
import os
import re

from pypdf import PdfReader

COMPANY = {
    "BILLING_SOCIETE_RAISON_SOCIALE": "MIF Maroc SARL",
    "BILLING_SOCIETE_ADRESSE": "45, rue Ibn Batouta, 20250 Casablanca",
    "BILLING_SOCIETE_ICE": "001525846000071",
    "BILLING_SOCIETE_IF": "40123456",
    "BILLING_SOCIETE_RC": "398765",
    "BILLING_SOCIETE_RC_VILLE": "Casablanca",
    "BILLING_SOCIETE_TP": "35712345",
    "BILLING_SOCIETE_CNSS": "7654321",
    "BILLING_SOCIETE_CAPITAL": "1 000 000,00 MAD",
    "BILLING_SOCIETE_RIB": "011 780 0000123456789012 34",
}


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


async def test_invoice_and_credit_note_pdf(world, monkeypatch, tmp_path) -> None:
    from billing.common import settings

    for key, value in COMPANY.items():
        monkeypatch.setenv(key, value)
    settings.cache_clear()
    try:
        f = await world.facture(
            [
                {"designation": "Main-d'oeuvre, intervention n° 42", "quantite": "3.5",
                 "prix_unitaire": "350.00"},
                {"designation": "Joint torique JT-12", "quantite": "2",
                 "prix_unitaire": "87.45", "taux_tva": "0.14"},
                {"designation": "Déplacement Casablanca - Mohammedia", "quantite": "1",
                 "prix_unitaire": "300.00"},
            ]
        )  # fmt: skip
        # 1225.00 + 174.90 + 300.00 = 1699.90 HT; TVA 20 % on 1525.00 = 305.00,
        # 14 % on 174.90 = 24.486 -> 24.49; TTC 1699.90 + 329.49 = 2029.39
        assert (f["montant_ht"], f["montant_tva"], f["montant_ttc"]) == (
            "1699.90", "329.49", "2029.39",
        )  # fmt: skip
        r = await world.http.post(f"/api/v1/factures/{f['id']}/emission", headers=world.h("admin"))
        issued = r.json()
        r = await world.http.get(f"/api/v1/factures/{f['id']}/pdf", headers=world.h("client"))
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        (tmp_path / "facture.pdf").write_bytes(r.content)
        if os.environ.get("BILLING_PDF_DIR"):
            with open(os.path.join(os.environ["BILLING_PDF_DIR"], "facture.pdf"), "wb") as out:
                out.write(r.content)
        text = flat(text_of(r.content))
        d_em = "/".join(reversed(issued["date_emission"].split("-")))
        d_ech = "/".join(reversed(issued["date_echeance"].split("-")))
        for mention in [
            f"FACTURE N° {issued['numero_facture']}",
            "MIF Maroc SARL",
            "45, rue Ibn Batouta, 20250 Casablanca",
            "ICE : 001525846000071",
            "IF : 40123456",
            "RC : 398765 (Casablanca)",
            "Taxe professionnelle : 35712345",
            "CNSS : 7654321",
            "Capital social : 1 000 000,00 MAD",
            "011 780 0000123456789012 34",
            f"Société Cliente {world.client_id} SARL",
            "12, boulevard Zerktouni",
            "ICE client : 001234567000089",
            f"Date d'émission : {d_em}",
            f"Date d'échéance : {d_ech}",
            "paiement à 60 jours",
            "loi n° 69-21",
            "0,85 %",
            "Bank Al-Maghrib",
            "Main-d'oeuvre, intervention n° 42",
            "3,5", "350,00", "1 225,00",
            "Joint torique JT-12", "87,45", "174,90", "14 %",
            "Déplacement Casablanca - Mohammedia", "300,00",
            "Total HT 1 699,90 MAD",
            "TVA 20 % (base 1 525,00) 305,00 MAD",
            "TVA 14 % (base 174,90) 24,49 MAD",
            "Total TVA 329,49 MAD",
            "Total TTC 2 029,39 MAD",
            "deux mille vingt-neuf dirhams et trente-neuf centimes",
            "Page 1 / 1",
        ]:  # fmt: skip
            assert mention in text, (mention, text)

        r = await world.http.post(
            f"/api/v1/factures/{f['id']}/avoirs",
            json={"motif": "Joint facturé en double",
                  "lignes": [{"designation": "Joint torique JT-12", "quantite": "1",
                              "prix_unitaire": "87.45", "taux_tva": "0.14"}]},
            headers=world.h("admin"),
        )  # fmt: skip
        assert r.status_code == 201, r.text
        avoir = r.json()
        # 87.45 HT, TVA 12.243 -> 12.24, TTC 99.69
        assert (avoir["montant_ht"], avoir["montant_tva"], avoir["montant_ttc"]) == (
            "87.45", "12.24", "99.69",
        )  # fmt: skip
        assert re.fullmatch(r"AV-\d{4}-\d{6}", avoir["numero_avoir"])
        r = await world.http.get(f"/api/v1/avoirs/{avoir['id']}/pdf", headers=world.h("admin"))
        assert r.status_code == 200
        if os.environ.get("BILLING_PDF_DIR"):
            with open(os.path.join(os.environ["BILLING_PDF_DIR"], "avoir.pdf"), "wb") as out:
                out.write(r.content)
        text = flat(text_of(r.content))
        for mention in [
            f"FACTURE D'AVOIR N° {avoir['numero_avoir']}",
            f"Facture d'origine : {issued['numero_facture']}",
            "Motif : Joint facturé en double",
            "ICE : 001525846000071", "IF : 40123456", "RC : 398765 (Casablanca)",
            "Taxe professionnelle : 35712345", "CNSS : 7654321",
            "ICE client : 001234567000089",
            "Total HT 87,45 MAD", "TVA 14 % (base 87,45) 12,24 MAD", "Total TTC 99,69 MAD",
            "quatre-vingt-dix-neuf dirhams et soixante-neuf centimes",
            "Page 1 / 1",
        ]:  # fmt: skip
            assert mention in text, (mention, text)
        r = await world.http.get(f"/api/v1/factures/{f['id']}", headers=world.h("admin"))
        assert r.json()["montant_avoirs"] == "99.69" and r.json()["solde"] == "1929.70"
        r = await world.http.get(f"/api/v1/avoirs/{avoir['id']}", headers=world.h("autre_client"))
        assert r.status_code == 404
    finally:
        settings.cache_clear()


async def test_production_refuses_placeholders(monkeypatch) -> None:
    import pytest
    from billing.config import Settings

    with pytest.raises(ValueError, match="BILLING_SOCIETE"):
        Settings(environment="production")
    for key, value in COMPANY.items():
        monkeypatch.setenv(key, value)
    assert Settings(environment="production").societe_ice == "001525846000071"
