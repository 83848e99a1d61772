import createClient from "openapi-fetch";
import { authFetch } from "./auth";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Intervention = Schemas["InterventionRead"];
export type Statut = Schemas["StatutIntervention"];
export type Priorite = Schemas["PrioriteIntervention"];
export type Role = Schemas["Role"];
export type Me = Schemas["MeRead"];

// Absolute URLs: a Request built from a bare path fails outside a page (tests).
export const ORIGIN = globalThis.location?.origin ?? "";

export const api = createClient<paths>({
  baseUrl: ORIGIN,
  fetch: (request: Request) => authFetch(request),
});

export type Problem = { status?: number; title?: string; detail?: string; errors?: unknown[] };

export class ApiError extends Error {
  constructor(
    public status: number,
    public problem: Problem | null,
  ) {
    super(problem?.detail ?? `HTTP ${status}`);
  }
}

/** Unwrap an openapi-fetch answer: the data, or an ApiError carrying the problem+json. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(result.response.status, (result.error as Problem) ?? null);
  }
  return result.data as T;
}

/** Raw call for paths of modules not in the generated schema yet (inventory, billing...). */
export async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.body && typeof init.body === "string") headers.set("Content-Type", "application/json");
  const answer = await authFetch(new Request(`${ORIGIN}/api/v1${path}`, { ...init, headers }));
  if (!answer.ok) {
    throw new ApiError(answer.status, await answer.json().catch(() => null));
  }
  if (answer.status === 204) return undefined as T;
  return (await answer.json()) as T;
}

/** A file behind the bearer token, as an object URL (download or preview). */
export async function blobUrl(path: string): Promise<string> {
  const answer = await authFetch(new Request(`${ORIGIN}/api/v1${path}`));
  if (!answer.ok) throw new ApiError(answer.status, await answer.json().catch(() => null));
  return URL.createObjectURL(await answer.blob());
}
