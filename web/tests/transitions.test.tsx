import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Intervention, Statut } from "../src/api/client";
import { TransitionButtons } from "../src/pages/TransitionButtons";
import { renderWith, user } from "./render";

function intervention(statut: Statut): Intervention {
  return {
    id: 7,
    equipement_id: 3,
    technicien_id: 42,
    client_id: 9,
    type_intervention: "corrective",
    statut,
    priorite: "haute",
    urgence: false,
    titre: "Fuite hydraulique",
    description: null,
    diagnostic: null,
    solution: null,
    date_creation: "2026-12-01T08:00:00Z",
    date_planifiee: null,
    date_debut: null,
    date_fin: null,
    date_limite: null,
    duree_estimee: null,
    duree_reelle: null,
    cout_estime: null,
    cout_reel: null,
    cout_main_oeuvre: null,
    cout_pieces: "0.00",
    date_affectation: null,
    date_prise_en_charge: null,
    delai_prise_en_charge: null,
    duree_attente: null,
    motif_attente: null,
    periodes: [],
    rapport: null,
    sous_garantie: false,
    notes_techniques: null,
    satisfaction_client: null,
    date_echeance_maintenance: null,
    created_at: "2026-12-01T08:00:00Z",
    updated_at: "2026-12-01T08:00:00Z",
    version: 1,
  };
}

function buttons(): string[] {
  return screen.queryAllByRole("button").map((b) => b.textContent ?? "");
}

describe("transition buttons per role", () => {
  it("offers the dispatcher every move of an assigned intervention", () => {
    renderWith(<TransitionButtons intervention={intervention("affectee")} onTransition={() => {}} />, user("responsable"));
    expect(buttons()).toEqual(["Remettre en file", "Démarrer", "Annuler"]);
  });

  it("offers the assigned technician start, then pause and close, never cancel", () => {
    const tech = user("technicien", { technicien_id: 42 });
    renderWith(<TransitionButtons intervention={intervention("affectee")} onTransition={() => {}} />, tech);
    expect(buttons()).toEqual(["Démarrer"]);
  });

  it("offers the assigned technician pause and close while in progress", () => {
    const tech = user("technicien", { technicien_id: 42 });
    renderWith(<TransitionButtons intervention={intervention("en_cours")} onTransition={() => {}} />, tech);
    expect(buttons()).toEqual(["Mettre en pause", "Clôturer"]);
  });

  it("offers resume to the technician of a paused intervention", () => {
    const tech = user("technicien", { technicien_id: 42 });
    renderWith(<TransitionButtons intervention={intervention("en_attente")} onTransition={() => {}} />, tech);
    expect(buttons()).toEqual(["Reprendre"]);
  });

  it("offers nothing to another technician", () => {
    const other = user("technicien", { technicien_id: 5 });
    renderWith(<TransitionButtons intervention={intervention("en_cours")} onTransition={() => {}} />, other);
    expect(buttons()).toEqual([]);
  });

  it("lets the owner client cancel only while open", () => {
    const owner = user("client", { client_id: 9 });
    renderWith(<TransitionButtons intervention={intervention("ouverte")} onTransition={() => {}} />, owner);
    expect(buttons()).toEqual(["Annuler"]);
    renderWith(<TransitionButtons intervention={intervention("affectee")} onTransition={() => {}} />, owner);
    expect(buttons()).toEqual(["Annuler"]); // still the first render's only
  });

  it("offers nothing on a final state", () => {
    renderWith(<TransitionButtons intervention={intervention("annulee")} onTransition={() => {}} />, user("admin"));
    expect(buttons()).toEqual([]);
  });
});
