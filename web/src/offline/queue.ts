// The technician's offline action queue: an action is given its Idempotency-Key when it is
// queued, kept (in localStorage: actions only, never a token) until the server has answered,
// and retried with the same key, so the server applies it at most once.

export type QueuedAction = {
  key: string; // the Idempotency-Key, fixed for every retry
  method: "POST" | "PUT";
  path: string; // under /api/v1
  body: unknown;
  label: string;
  queuedAt: string;
  // a 409 whose current state already shows this result means it was applied before
  expectStatut?: string;
};

export type Sender = (action: QueuedAction) => Promise<Response>;

const STORAGE_KEY = "mif.offline-actions";

export class ActionQueue {
  private actions: QueuedAction[];
  private listeners = new Set<() => void>();
  private flushing: Promise<void> | null = null;

  constructor(
    private send: Sender,
    private storage: Storage | null = typeof localStorage === "undefined" ? null : localStorage,
  ) {
    this.actions = JSON.parse(this.storage?.getItem(STORAGE_KEY) ?? "[]") as QueuedAction[];
  }

  pending(): QueuedAction[] {
    return [...this.actions];
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private save(): void {
    this.storage?.setItem(STORAGE_KEY, JSON.stringify(this.actions));
    this.listeners.forEach((l) => l());
  }

  /** Queue an action and try to send it at once. */
  async enqueue(action: Omit<QueuedAction, "key" | "queuedAt">): Promise<void> {
    this.actions.push({ ...action, key: crypto.randomUUID(), queuedAt: new Date().toISOString() });
    this.save();
    await this.flush();
  }

  /** Send queued actions in order; stop at the first network failure (still offline). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      try {
        while (this.actions.length > 0) {
          const action = this.actions[0];
          let answer: Response;
          try {
            answer = await this.send(action);
          } catch {
            return; // offline: keep it, retry later with the same key
          }
          if (answer.status >= 500 || answer.status === 429 || answer.status === 401) return;
          // done (2xx), or refused for good (4xx): either way it leaves the queue
          this.actions.shift();
          this.save();
        }
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }
}
