import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Board } from "../src/pages/Board";
import { renderWith } from "./render";

let requests: URL[] = [];

function page(items: object[], next: string | null = null) {
  return new Response(JSON.stringify({ items, next_cursor: next }), {
    status: 200,
    headers: { "Content-Type": "application/json" },
  });
}

const row = (id: number, statut: string, priorite: string) => ({
  id,
  titre: `Intervention ${id}`,
  statut,
  priorite,
  urgence: priorite === "urgente",
  technicien_id: null,
  date_creation: "2026-12-01T08:00:00Z",
  date_planifiee: null,
});

beforeEach(() => {
  requests = [];
  vi.stubGlobal("fetch", async (input: Request) => {
    const url = new URL(input.url, "http://console.test");
    requests.push(url);
    if (url.pathname === "/api/v1/techniciens") return page([{ id: 4, full_name: "Youssef Amrani" }]);
    if (url.searchParams.get("cursor") === "p2") return page([row(3, "ouverte", "basse")]);
    return page([row(1, "ouverte", "urgente"), row(2, "affectee", "normale")], "p2");
  });
});
afterEach(() => vi.unstubAllGlobals());

const boardCalls = () => requests.filter((u) => u.pathname === "/api/v1/interventions");

describe("dispatch board filters", () => {
  it("asks the API for the chosen status, priority, urgency and technician", async () => {
    const ui = userEvent.setup();
    renderWith(<Board />);
    expect(await screen.findByText("Intervention 1")).toBeTruthy();
    expect(Object.fromEntries(boardCalls()[0].searchParams)).toEqual({ limit: "50" });

    await ui.click(screen.getByRole("textbox", { name: "Statut" }));
    await ui.click(await screen.findByRole("option", { name: "En cours", hidden: true }));
    await waitFor(() => expect(boardCalls().at(-1)!.searchParams.get("statut")).toBe("en_cours"));

    await ui.click(screen.getByRole("textbox", { name: "Priorité" }));
    await ui.click(await screen.findByRole("option", { name: "Urgente", hidden: true }));
    await ui.click(screen.getByRole("checkbox", { name: "Urgences seulement" }));
    await ui.click(screen.getByRole("textbox", { name: "Technicien" }));
    await ui.click(await screen.findByRole("option", { name: "Youssef Amrani", hidden: true }));
    await waitFor(() =>
      expect(Object.fromEntries(boardCalls().at(-1)!.searchParams)).toEqual({
        limit: "50",
        statut: "en_cours",
        priorite: "urgente",
        urgence: "true",
        technicien_id: "4",
      }),
    );
  });

  it("loads the next keyset page with the cursor when asked", async () => {
    const ui = userEvent.setup();
    renderWith(<Board />);
    expect(await screen.findByText("Intervention 2")).toBeTruthy();
    expect(screen.queryByText("Intervention 3")).toBeNull();
    await ui.click(screen.getByRole("button", { name: "Charger plus" }));
    expect(await screen.findByText("Intervention 3")).toBeTruthy();
    expect(boardCalls().at(-1)!.searchParams.get("cursor")).toBe("p2");
    expect(screen.queryByRole("button", { name: "Charger plus" })).toBeNull();
  });
});
