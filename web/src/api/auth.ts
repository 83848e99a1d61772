// Browser sign-in: the access token lives in this module's memory only; the refresh token is
// an HttpOnly cookie set by auth (login with `"cookie": true`), sent by the browser only to
// /api/v1/auth/refresh. A silent refresh runs shortly before the access token expires, on a
// 401, and on a reload (nothing is kept in storage). Logout is DELETE /api/v1/auth/refresh,
// which ends the session server-side and clears the cookie.

export type Session = { accessToken: string; expiresAt: number };

const API = "/api/v1";
let session: Session | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
let inflight: Promise<boolean> | null = null;
const listeners = new Set<() => void>();

export function accessToken(): string | null {
  return session?.accessToken ?? null;
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(): void {
  listeners.forEach((l) => l());
}

type TokenBody = { access_token: string; expires_in: number };

function accept(body: TokenBody): void {
  session = { accessToken: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
  clearTimeout(timer);
  // refresh a minute before expiry (at least 5 s from now)
  const delay = Math.max(5_000, body.expires_in * 1000 - 60_000);
  timer = setTimeout(() => void refresh(), delay);
  notify();
}

export class AuthError extends Error {
  constructor(
    public status: number,
    public problem: { detail?: string; title?: string } | null,
  ) {
    super(problem?.detail ?? `HTTP ${status}`);
  }
}

export async function login(username: string, password: string): Promise<void> {
  const answer = await fetch(`${API}/auth/login`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password, cookie: true }),
  });
  if (!answer.ok) {
    throw new AuthError(answer.status, await answer.json().catch(() => null));
  }
  accept(await answer.json());
}

/** A new access token from the refresh cookie (no body: auth reads the cookie). */
export function refresh(): Promise<boolean> {
  if (inflight) return inflight;
  inflight = (async () => {
    try {
      const answer = await fetch(`${API}/auth/refresh`, { method: "POST", credentials: "same-origin" });
      if (!answer.ok) {
        clear();
        return false;
      }
      accept(await answer.json());
      return true;
    } catch {
      return false;
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

function clear(): void {
  session = null;
  clearTimeout(timer);
  notify();
}

export async function logout(): Promise<void> {
  try {
    await authFetch(new Request(`${globalThis.location?.origin ?? ""}${API}/auth/refresh`, { method: "DELETE" }));
  } finally {
    clear();
  }
}

/** fetch with the bearer token; on a 401 the token is refreshed once and the call retried. */
export async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const send = (request: Request) => {
    const token = accessToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return fetch(request);
  };
  const answer = await send(input);
  if (answer.status !== 401 || !session) return answer;
  return (await refresh()) ? send(retry) : answer;
}
