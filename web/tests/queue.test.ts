import { describe, expect, it } from "vitest";
import { ActionQueue, type QueuedAction } from "../src/offline/queue";

class MemoryStorage {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
}

const start = { method: "POST" as const, path: "/interventions/7/transitions", body: { statut: "en_cours" }, label: "Démarrer" };

describe("offline action queue", () => {
  it("keeps an action while offline and retries it with the same Idempotency-Key", async () => {
    const storage = new MemoryStorage() as unknown as Storage;
    const sent: QueuedAction[] = [];
    let online = false;
    const queue = new ActionQueue(async (a) => {
      sent.push(a);
      if (!online) throw new TypeError("Failed to fetch");
      return new Response("{}", { status: 200 });
    }, storage);

    await queue.enqueue(start);
    expect(queue.pending()).toHaveLength(1);
    await queue.flush();
    expect(queue.pending()).toHaveLength(1);

    // a reload: a new queue finds the action, with its key, in storage
    const reloaded = new ActionQueue(async (a) => {
      sent.push(a);
      return new Response("{}", { status: online ? 200 : 503 });
    }, storage);
    expect(reloaded.pending()[0].key).toBe(sent[0].key);
    online = true;
    await reloaded.flush();
    expect(reloaded.pending()).toEqual([]);
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((a) => a.key)).size).toBe(1);
  });

  it("sends actions in order and stops at the first one the network refuses", async () => {
    const storage = new MemoryStorage() as unknown as Storage;
    const paths: string[] = [];
    let fail = true;
    const queue = new ActionQueue(async (a) => {
      paths.push(a.path);
      if (fail) throw new TypeError("offline");
      return new Response("{}", { status: 201 });
    }, storage);
    await queue.enqueue(start);
    await queue.enqueue({ ...start, path: "/interventions/7/pieces", body: { piece_id: 1, quantite: 2 }, label: "Pièce" });
    expect(paths).toEqual(["/interventions/7/transitions", "/interventions/7/transitions"]);
    fail = false;
    await queue.flush();
    expect(paths.slice(2)).toEqual(["/interventions/7/transitions", "/interventions/7/pieces"]);
    expect(queue.pending()).toEqual([]);
  });

  it("drops an action the server refuses for good (409) and keeps one it could not serve (503)", async () => {
    const storage = new MemoryStorage() as unknown as Storage;
    const statuses = [409, 503];
    const queue = new ActionQueue(async () => new Response("{}", { status: statuses.shift() ?? 200 }), storage);
    await queue.enqueue(start);
    expect(queue.pending()).toEqual([]);
    await queue.enqueue({ ...start, label: "second" });
    expect(queue.pending().map((a) => a.label)).toEqual(["second"]);
    await queue.flush();
    expect(queue.pending()).toEqual([]);
  });
});
