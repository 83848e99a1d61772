"""A mixed workload through the gateway at a fixed arrival rate (open loop).

Requests are sent on a fixed schedule (`rate` per second) whatever the answers' speed, and
each latency counts from the request's scheduled time, so a slow system shows as latency
instead of quietly lowering the rate (no coordinated omission). The mix, by weight: reads
(one intervention, a list page, parts, invoices, notifications), creates (an
intervention), transitions (an intervention moves ouverte -> affectee -> en_cours ->
cloturee, one step per request), consumptions (a part used on an intervention en_cours)
and invoice emissions (a draft issued). An intervention is in at most one request at a
time; when no intervention is ready for a transition, consumption or emission, a read is
sent in its place (counted as a read)."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp

WEIGHTS = (("read", 50), ("create", 15), ("transition", 20), ("consumption", 10),
           ("emission", 5))  # fmt: skip
# an intervention en_cours waits this long before a part is used on it or it is closed:
# inventory learns of the transition by an event
SETTLE = 1.0


@dataclass
class Pools:
    """What the workload can act on, refilled as it goes."""

    equipements: list[int]
    techniciens: list[int]
    pieces: list[int]
    intervention_ids: list[int]
    opened: deque[int] = field(default_factory=deque)
    assigned: deque[int] = field(default_factory=deque)
    started: deque[tuple[int, float]] = field(default_factory=deque)
    drafts: deque[int] = field(default_factory=deque)


@dataclass
class StepResult:
    rate: int
    seconds: float
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)  # "op status" -> count
    by_op: Counter[str] = field(default_factory=Counter)
    lag_window: tuple[float, float] = (0.0, 0.0)  # wall clock (epoch s) of the step

    def pct(self, p: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000, 1)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def achieved(self) -> float:
        return round(len(self.latencies) / self.seconds, 1) if self.seconds else 0.0


class Workload:
    def __init__(self, base: str, token: str, pools: Pools, seed: int = 7) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.pools = pools
        self.rng = random.Random(seed)
        ops, weights = zip(*WEIGHTS, strict=True)
        self.ops, self.weights = ops, weights
        self.created = 0
        self.turn = 0

    def _read(self) -> tuple[str, str, str, dict[str, Any] | None]:
        p, rng = self.pools, self.rng
        k = rng.randrange(6)
        if k == 0 or k == 1:
            iid = p.intervention_ids[rng.randrange(len(p.intervention_ids))]
            return "read", "GET", f"/api/v1/interventions/{iid}", None
        if k == 2:
            return "read", "GET", "/api/v1/interventions?statut=ouverte&limit=50", None
        if k == 3:
            return "read", "GET", "/api/v1/pieces?limit=50", None
        if k == 4:
            return "read", "GET", "/api/v1/factures?limit=50", None
        return "read", "GET", "/api/v1/notifications?limit=20", None

    def next_request(self) -> tuple[str, str, str, dict[str, Any] | None, Any]:
        """(op, method, path, body, on_success) of the next request."""
        p, rng = self.pools, self.rng
        op = rng.choices(self.ops, self.weights)[0]
        now = time.monotonic()
        if op == "create":
            self.created += 1
            body = {
                "equipement_id": p.equipements[rng.randrange(len(p.equipements))],
                "titre": f"Bench mixte {self.created}",
                "priorite": rng.choice(("haute", "normale", "normale", "basse")),
                "description": "créée par make bench",
            }

            def created(answer: dict[str, Any]) -> None:
                p.opened.append(int(answer["id"]))

            return "create", "POST", "/api/v1/interventions", body, created
        if op == "transition":
            # the three moves in turn (those with an intervention ready), so that every
            # kind of transition event flows
            ready = [
                bool(p.started) and now - p.started[0][1] >= SETTLE,
                bool(p.assigned),
                bool(p.opened),
            ]
            for k in range(3):
                move = (self.turn + k) % 3
                if ready[move]:
                    self.turn = move + 1
                    break
            else:
                move = -1
            if move == 0:
                iid, _ = p.started.popleft()
                body = {"statut": "cloturee", "solution": "Pièce remplacée, essais concluants"}
                return "transition", "POST", f"/api/v1/interventions/{iid}/transitions", body, None
            if move == 1:
                iid = p.assigned.popleft()

                def began(_: dict[str, Any], iid: int = iid) -> None:
                    p.started.append((iid, time.monotonic()))

                body = {"statut": "en_cours"}
                return "transition", "POST", f"/api/v1/interventions/{iid}/transitions", body, began
            if move == 2:
                iid = p.opened.popleft()

                def assigned(_: dict[str, Any], iid: int = iid) -> None:
                    p.assigned.append(iid)

                body = {"technicien_id": p.techniciens[rng.randrange(len(p.techniciens))]}
                return (
                    "transition",
                    "POST",
                    f"/api/v1/interventions/{iid}/affectation",
                    body,
                    assigned,
                )
        if op == "consumption" and p.started and now - p.started[0][1] >= SETTLE:
            iid, since = p.started.popleft()

            def used(_: dict[str, Any], iid: int = iid, since: float = since) -> None:
                p.started.append((iid, since))

            body = {"piece_id": p.pieces[rng.randrange(len(p.pieces))], "quantite": 1}
            return "consumption", "POST", f"/api/v1/interventions/{iid}/pieces", body, used
        if op == "emission" and p.drafts:
            fid = p.drafts.popleft()
            return "emission", "POST", f"/api/v1/factures/{fid}/emission", {}, None
        return (*self._read(), None)

    async def step(self, session: aiohttp.ClientSession, rate: int, seconds: float) -> StepResult:
        result = StepResult(rate=rate, seconds=seconds)
        total = int(rate * seconds)
        began = time.monotonic()
        result.lag_window = (time.time(), 0.0)
        tasks: set[asyncio.Task[None]] = set()

        async def one(scheduled: float) -> None:
            op, method, path, body, on_success = self.next_request()
            result.by_op[op] += 1
            status = "exception"
            try:
                async with session.request(
                    method, self.base + path, json=body, headers=self.headers
                ) as response:
                    data = await response.read()
                    status = str(response.status)
                    if response.status < 400 and on_success is not None:
                        import orjson

                        on_success(orjson.loads(data) if data else {})
            except (aiohttp.ClientError, TimeoutError) as exc:
                status = type(exc).__name__
            result.latencies.append(time.monotonic() - scheduled)
            if not status.isdigit() or int(status) >= 400:
                result.errors[f"{op} {status}"] += 1

        for i in range(total):
            scheduled = began + i / rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(scheduled))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            result.sent += 1
        if tasks:
            await asyncio.wait(tasks, timeout=30)
        result.lag_window = (result.lag_window[0], time.time())
        return result


async def run_steps(
    base: str, token: str, pools: Pools, rates: list[int], seconds: float
) -> list[StepResult]:
    workload = Workload(base, token, pools)
    connector = aiohttp.TCPConnector(limit=400, limit_per_host=0)
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        results = []
        for rate in rates:
            results.append(await workload.step(session, rate, seconds))
        return results
