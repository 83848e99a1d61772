import { Alert, Badge, Button, Card, Group, NumberInput, Stack, Text, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, useSyncExternalStore } from "react";
import { authFetch } from "../api/auth";
import { api, ORIGIN, unwrap, type Intervention, type Statut } from "../api/client";
import { ErrorText } from "../components/ErrorText";
import { formatDate } from "../domain";
import { ActionQueue, type QueuedAction } from "../offline/queue";
import { useMe } from "../session";
import { PrioriteBadge, StatutBadge } from "./Board";
import { Documents, Parts } from "./InterventionPage";
import { usePieceNames } from "./Stock";
import { TransitionButtons } from "./TransitionButtons";

export const queue = new ActionQueue((action: QueuedAction) =>
  authFetch(
    new Request(`${ORIGIN}/api/v1${action.path}`, {
      method: action.method,
      headers: { "Content-Type": "application/json", "Idempotency-Key": action.key },
      body: JSON.stringify(action.body),
    }),
  ),
);

function useQueue(): QueuedAction[] {
  const [snapshot, setSnapshot] = useState(() => queue.pending());
  useEffect(() => queue.subscribe(() => setSnapshot(queue.pending())), []);
  return snapshot;
}

function useOnline(): boolean {
  return useSyncExternalStore(
    (cb) => {
      window.addEventListener("online", cb);
      window.addEventListener("offline", cb);
      return () => {
        window.removeEventListener("online", cb);
        window.removeEventListener("offline", cb);
      };
    },
    () => navigator.onLine,
  );
}

function VanParts({ intervention }: { intervention: Intervention }) {
  const me = useMe();
  const client = useQueryClient();
  const names = usePieceNames();
  const [qty, setQty] = useState<Record<number, number>>({});
  const stock = useQuery({
    queryKey: ["stock", "van", me.technicien_id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/stock", { params: { query: { emplacement: `van-${me.technicien_id}`, limit: 100 } } })),
  });
  const items = (stock.data?.items ?? []).filter((p) => p.quantite > 0);
  async function use(pieceId: number, label: string) {
    const n = qty[pieceId] ?? 1;
    await queue.enqueue({
      method: "POST",
      path: `/interventions/${intervention.id}/pieces`,
      body: { piece_id: pieceId, quantite: n, emplacement: `van-${me.technicien_id}` },
      label: `Pièce ${label} × ${n}`,
    });
    void client.invalidateQueries({ queryKey: ["stock"] });
    void client.invalidateQueries({ queryKey: ["pieces-intervention", intervention.id] });
  }
  return (
    <Stack gap={4}>
      <Text fw={600} size="sm">
        Pièces de mon véhicule
      </Text>
      <ErrorText error={stock.error} />
      {items.map((p) => {
        const label = names.get(p.piece_id) ?? `Pièce ${p.piece_id}`;
        return (
          <Group key={p.piece_id} gap="xs" wrap="nowrap">
            <Text size="sm" style={{ flex: 1 }}>
              {label} ({p.quantite})
            </Text>
            <NumberInput
              aria-label={`Quantité de ${label}`}
              min={1}
              max={p.quantite}
              w={70}
              value={qty[p.piece_id] ?? 1}
              onChange={(v) => setQty({ ...qty, [p.piece_id]: Number(v) || 1 })}
            />
            <Button size="xs" aria-label={`Utiliser ${label}`} onClick={() => void use(p.piece_id, label)}>
              Utiliser
            </Button>
          </Group>
        );
      })}
      {stock.data && items.length === 0 ? <Text size="sm">Aucune pièce dans le véhicule.</Text> : null}
    </Stack>
  );
}

function Job({ intervention }: { intervention: Intervention }) {
  const client = useQueryClient();
  async function move(to: Statut, extra: { solution?: string }) {
    await queue.enqueue({
      method: "POST",
      path: `/interventions/${intervention.id}/transitions`,
      body: { statut: to, ...extra },
      label: `Intervention ${intervention.id} → ${to}`,
      expectStatut: to,
    });
    void client.invalidateQueries({ queryKey: ["interventions"] });
  }
  return (
    <Card withBorder data-testid={`job-${intervention.id}`}>
      <Stack gap="xs">
        <Group justify="space-between" gap="xs">
          <Text fw={700}>
            n° {intervention.id} — {intervention.titre}
          </Text>
          <StatutBadge statut={intervention.statut} />
        </Group>
        <PrioriteBadge priorite={intervention.priorite} urgence={intervention.urgence} />
        <Text size="sm">Planifiée : {formatDate(intervention.date_planifiee)}</Text>
        {intervention.description ? <Text size="sm">{intervention.description}</Text> : null}
        <TransitionButtons intervention={intervention} onTransition={(to, extra) => void move(to, extra)} />
        {intervention.statut === "en_cours" ? (
          <>
            <Documents id={intervention.id} compact />
            <VanParts intervention={intervention} />
            <Parts id={intervention.id} />
          </>
        ) : null}
      </Stack>
    </Card>
  );
}

export function TechDay() {
  const online = useOnline();
  const pending = useQueue();
  const client = useQueryClient();
  useEffect(() => {
    const retry = () => void queue.flush().then(() => client.invalidateQueries({ queryKey: ["interventions"] }));
    window.addEventListener("online", retry);
    const timer = setInterval(retry, 15_000);
    return () => {
      window.removeEventListener("online", retry);
      clearInterval(timer);
    };
  }, [client]);
  const mine = useQuery({
    queryKey: ["interventions", "mine"],
    queryFn: async () => unwrap(await api.GET("/api/v1/interventions", { params: { query: { limit: 100 } } })),
  });
  const active = (mine.data?.items ?? []).filter((i) => ["affectee", "en_cours", "en_attente"].includes(i.statut));
  const today = new Date();
  const tomorrowEnd = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 2);
  const dayStart = new Date(today.getFullYear(), today.getMonth(), today.getDate());
  const slots = useQuery({
    queryKey: ["planning", "mine", dayStart.toISOString()],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/planning", {
          params: { query: { du: dayStart.toISOString(), au: tomorrowEnd.toISOString(), limit: 100 } },
        }),
      ),
  });
  return (
    <Stack maw={480} mx="auto">
      <Title order={1} size="h3">
        Ma journée
      </Title>
      {!online ? (
        <Alert color="yellow" role="status">
          Hors ligne : vos actions sont gardées et seront envoyées au retour du réseau.
        </Alert>
      ) : null}
      {pending.length ? (
        <Alert color="blue" role="status" data-testid="pending-actions">
          {pending.length} action(s) en attente d'envoi : {pending.map((p) => p.label).join(" ; ")}
        </Alert>
      ) : null}
      <Card withBorder>
        <Text fw={600}>Créneaux (aujourd'hui et demain)</Text>
        {(slots.data?.items ?? []).map((s) => (
          <Text key={s.id} size="sm">
            {formatDate(s.date_debut)} → {formatDate(s.date_fin)} · intervention n° {s.intervention_id}{" "}
            {s.confirme ? <Badge size="xs">confirmé</Badge> : null}
          </Text>
        ))}
        {slots.data && slots.data.items.length === 0 ? <Text size="sm">Aucun créneau.</Text> : null}
      </Card>
      <ErrorText error={mine.error} />
      {active.map((i) => (
        <Job key={i.id} intervention={i} />
      ))}
      {mine.data && active.length === 0 ? <Text>Aucune intervention en cours.</Text> : null}
    </Stack>
  );
}
