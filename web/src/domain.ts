import type { Intervention, Me, Role, Statut } from "./api/client";
import { ApiError } from "./api/client";
import i18n from "./i18n";

export const STATUTS: Statut[] = [
  "ouverte",
  "affectee",
  "en_cours",
  "en_attente",
  "cloturee",
  "annulee",
  "archivee",
];
export const PRIORITES = ["urgente", "haute", "normale", "basse", "programmee"] as const;
export const STAFF: Role[] = ["admin", "responsable"];

type Move = { from: Statut[]; to: Statut; staff: boolean; technician: boolean; client: boolean };

// The API's state machine (API.md), as far as a button may offer it; `ouverte → affectee`
// goes through the assignment form, `cloturee → archivee` is the archival task's.
const MOVES: Move[] = [
  { from: ["affectee"], to: "ouverte", staff: true, technician: false, client: false },
  { from: ["affectee", "en_attente"], to: "en_cours", staff: true, technician: true, client: false },
  { from: ["en_cours"], to: "en_attente", staff: true, technician: true, client: false },
  { from: ["en_cours"], to: "cloturee", staff: true, technician: true, client: false },
  {
    from: ["ouverte", "affectee", "en_attente"],
    to: "annulee",
    staff: true,
    technician: false,
    client: true,
  },
];

/** The transitions this user may ask for on this intervention. */
export function allowedTransitions(me: Pick<Me, "role" | "technicien_id" | "client_id">, i: Intervention): Statut[] {
  const staff = STAFF.includes(me.role);
  const assigned = me.role === "technicien" && me.technicien_id != null && me.technicien_id === i.technicien_id;
  const owner = me.role === "client" && me.client_id === i.client_id;
  return MOVES.filter(
    (m) =>
      m.from.includes(i.statut) &&
      (staff ? m.staff : assigned ? m.technician : owner ? m.client && i.statut === "ouverte" : false),
  ).map((m) => m.to);
}

export function transitionLabel(from: Statut, to: Statut): string {
  if (to === "en_cours" && from === "en_attente") return i18n.t("action.reprendre");
  return i18n.t(`action.${to}`);
}

/** A problem+json answer in plain French: the status's sentence, then the server's detail. */
export function problemText(error: unknown): string {
  if (error instanceof ApiError) {
    const known = [400, 401, 403, 404, 409, 412, 413, 422, 429, 501];
    const base = i18n.t(`error.${known.includes(error.status) ? error.status : "other"}`);
    const detail = error.problem?.detail;
    return detail ? `${base} ${i18n.t("detail", { defaultValue: "Détail" })} : ${detail}` : base;
  }
  if (error instanceof TypeError) return i18n.t("error.network");
  return i18n.t("error.other");
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return "—";
  return new Intl.DateTimeFormat("fr-MA", {
    dateStyle: "short",
    timeStyle: "short",
    timeZone: "Africa/Casablanca",
  }).format(new Date(value));
}

/** A datetime-local value (Casablanca wall clock, as typed) as ISO 8601 with its offset. */
export function localToIso(value: string): string {
  return new Date(value).toISOString();
}
