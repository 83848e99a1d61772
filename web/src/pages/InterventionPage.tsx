import { Anchor, Badge, Button, Card, FileInput, Grid, Group, Image, List, Select, Stack, Table, Text, TextInput, Timeline, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { api, ApiError, blobUrl, call, unwrap, type Intervention, type Statut } from "../api/client";
import { ErrorText } from "../components/ErrorText";
import { formatDate, localToIso, STAFF } from "../domain";
import { useMe } from "../session";
import { PrioriteBadge, StatutBadge, useTechnicienNames } from "./Board";
import { usePieceNames } from "./Stock";
import { TransitionButtons } from "./TransitionButtons";

export function useTransition(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ to, solution }: { to: Statut; solution?: string }) =>
      unwrap(
        await api.POST("/api/v1/interventions/{intervention_id}/transitions", {
          params: { path: { intervention_id: id } },
          body: { statut: to, ...(solution ? { solution } : {}) },
        }),
      ),
    onSuccess: (updated) => {
      client.setQueryData(["intervention", id], updated);
      void client.invalidateQueries({ queryKey: ["interventions"] });
      void client.invalidateQueries({ queryKey: ["historique", id] });
    },
  });
}

function Assign({ intervention }: { intervention: Intervention }) {
  const client = useQueryClient();
  const [choice, setChoice] = useState<string | null>(null);
  const techniciens = useQuery({
    queryKey: ["techniciens", "all"],
    queryFn: async () => unwrap(await api.GET("/api/v1/techniciens", { params: { query: { limit: 200 } } })),
  });
  const competences = useQuery({
    queryKey: ["competences", choice],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/techniciens/{technicien_id}/competences", {
          params: { path: { technicien_id: Number(choice) } },
        }),
      ),
    enabled: choice !== null,
  });
  const load = useQuery({
    queryKey: ["interventions", "load", choice],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/interventions", {
          params: { query: { technicien_id: Number(choice), limit: 200 } },
        }),
      ).items.filter((i) => ["affectee", "en_cours", "en_attente"].includes(i.statut)).length,
    enabled: choice !== null,
  });
  const assign = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/interventions/{intervention_id}/affectation", {
          params: { path: { intervention_id: intervention.id } },
          body: { technicien_id: Number(choice) },
        }),
      ),
    onSuccess: (updated) => {
      client.setQueryData(["intervention", intervention.id], updated);
      void client.invalidateQueries({ queryKey: ["interventions"] });
      void client.invalidateQueries({ queryKey: ["historique", intervention.id] });
    },
  });
  const selected = techniciens.data?.items.find((x) => String(x.id) === choice);
  const skills = Array.isArray(competences.data) ? competences.data : [];
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Affecter un technicien
      </Title>
      <Select
        label="Technicien"
        searchable
        data={(techniciens.data?.items ?? []).map((x) => ({
          value: String(x.id),
          label: `${x.full_name} — ${x.disponibilite}${x.specialite ? ` — ${x.specialite}` : ""}`,
        }))}
        value={choice}
        onChange={setChoice}
      />
      {selected ? (
        <Stack gap={4} mt="xs" aria-live="polite">
          <Text size="sm">
            Disponibilité : <strong>{selected.disponibilite}</strong> · zone : {selected.zone_geographique ?? "—"}
          </Text>
          <Text size="sm">Charge actuelle : {load.data ?? "…"} intervention(s) en cours ou affectée(s)</Text>
          <Text size="sm">
            Compétences :{" "}
            {skills.length ? skills.map((c) => `${c.nom} (${c.niveau_acquis}${c.certifie ? ", certifié" : ""})`).join(", ") : "aucune renseignée"}
          </Text>
        </Stack>
      ) : null}
      <ErrorText error={assign.error} />
      <Button mt="sm" disabled={!choice} loading={assign.isPending} onClick={() => assign.mutate()}>
        Affecter
      </Button>
    </Card>
  );
}

function Planning({ intervention }: { intervention: Intervention }) {
  const client = useQueryClient();
  const [debut, setDebut] = useState("");
  const [fin, setFin] = useState("");
  const current = useQuery({
    queryKey: ["planning", intervention.id],
    queryFn: async () => {
      const r = await api.GET("/api/v1/interventions/{intervention_id}/planning", {
        params: { path: { intervention_id: intervention.id } },
      });
      return r.response.status === 404 ? null : unwrap(r);
    },
  });
  const plan = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PUT("/api/v1/interventions/{intervention_id}/planning", {
          params: { path: { intervention_id: intervention.id } },
          body: { date_debut: localToIso(debut), date_fin: localToIso(fin) },
        }),
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["planning"] });
      void client.invalidateQueries({ queryKey: ["intervention", intervention.id] });
    },
  });
  const slot = current.data;
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Planification
      </Title>
      {slot ? (
        <Text size="sm" data-testid="planning-slot">
          Créneau : {formatDate(slot.date_debut)} → {formatDate(slot.date_fin)} {slot.confirme ? "(confirmé)" : ""}
        </Text>
      ) : (
        <Text size="sm">Aucun créneau.</Text>
      )}
      <Group align="end" mt="xs">
        <TextInput type="datetime-local" label="Début" value={debut} onChange={(e) => setDebut(e.currentTarget.value)} />
        <TextInput type="datetime-local" label="Fin" value={fin} onChange={(e) => setFin(e.currentTarget.value)} />
        <Button disabled={!debut || !fin} loading={plan.isPending} onClick={() => plan.mutate()}>
          Planifier
        </Button>
      </Group>
      <ErrorText error={plan.error} />
    </Card>
  );
}

function History({ id }: { id: number }) {
  const history = useQuery({
    queryKey: ["historique", id],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/interventions/{intervention_id}/historique", {
          params: { path: { intervention_id: id }, query: { verifier: true } },
        }),
      ),
  });
  const verification = history.data?.verification;
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          Historique
        </Title>
        {verification ? (
          <Badge color={verification.intact ? "#1e7a34" : "#b3261e"} data-testid="chain-badge">
            {verification.intact ? `Chaîne vérifiée (${verification.rows})` : "Chaîne rompue"}
          </Badge>
        ) : null}
      </Group>
      <ErrorText error={history.error} />
      <Timeline bulletSize={14} lineWidth={2}>
        {(history.data?.items ?? []).map((h) => (
          <Timeline.Item key={h.id} title={h.description}>
            <Text size="xs" c="gray.7">
              {formatDate(h.horodatage)} · {h.action}
            </Text>
          </Timeline.Item>
        ))}
      </Timeline>
    </Card>
  );
}

export function Documents({ id, compact = false }: { id: number; compact?: boolean }) {
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<{ url: string; mime: string } | null>(null);
  const docs = useQuery({
    queryKey: ["documents", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/interventions/{intervention_id}/documents", { params: { path: { intervention_id: id } } })),
  });
  const upload = useMutation({
    mutationFn: async (f: File) => {
      const form = new FormData();
      form.set("fichier", f);
      form.set("type_document", f.type.startsWith("image/") ? "photo" : "rapport");
      return call(`/interventions/${id}/documents`, { method: "POST", body: form });
    },
    onSuccess: () => {
      setFile(null);
      void client.invalidateQueries({ queryKey: ["documents", id] });
    },
  });
  async function open(docId: number, mime: string, download: boolean, name: string) {
    const url = await blobUrl(`/documents/${docId}/contenu`);
    if (download) {
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      a.click();
    } else if (mime === "application/pdf") {
      window.open(url, "_blank", "noopener");
    } else setPreview({ url, mime });
  }
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Documents et photos
      </Title>
      <List spacing={4}>
        {(docs.data?.items ?? []).map((d) => (
          <List.Item key={d.id}>
            {d.nom_fichier} ({d.type_document}, {Math.ceil(d.taille / 1024)} Ko){" "}
            {d.mime_type.startsWith("image/") || d.mime_type === "application/pdf" ? (
              <Anchor component="button" onClick={() => void open(d.id, d.mime_type, false, d.nom_fichier)}>
                Aperçu
              </Anchor>
            ) : null}{" "}
            <Anchor component="button" onClick={() => void open(d.id, d.mime_type, true, d.nom_fichier)}>
              Télécharger
            </Anchor>
          </List.Item>
        ))}
      </List>
      {preview ? <Image src={preview.url} alt="Aperçu du document" mah={300} fit="contain" mt="xs" /> : null}
      <Group align="end" mt="sm">
        <FileInput
          label={compact ? "Photo" : "Ajouter un document"}
          accept={compact ? "image/*" : "image/*,application/pdf"}
          capture={compact ? "environment" : undefined}
          value={file}
          onChange={setFile}
          clearable
          clearButtonProps={{ "aria-label": "Effacer" }}
        />
        <Button disabled={!file} loading={upload.isPending} onClick={() => file && upload.mutate(file)}>
          Envoyer
        </Button>
      </Group>
      <ErrorText error={upload.error} />
    </Card>
  );
}

/** Parts consumed on the intervention, with their cost (at the CUMP when used). */
export function Parts({ id }: { id: number }) {
  const names = usePieceNames();
  const parts = useQuery({
    queryKey: ["pieces-intervention", id],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/interventions/{intervention_id}/pieces", { params: { path: { intervention_id: id } } }),
      ),
  });
  const rows = parts.data ?? [];
  const total = rows.reduce((sum, p) => sum + Math.round(Number(p.montant) * 100), 0);
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Pièces utilisées
      </Title>
      <ErrorText error={parts.error} />
      <Table aria-label="Pièces utilisées">
        <Table.Tbody>
          {rows.map((p) => (
            <Table.Tr key={p.id}>
              <Table.Td>{names.get(p.piece_id) ?? `Pièce ${p.piece_id}`}</Table.Td>
              <Table.Td>× {p.quantite}</Table.Td>
              <Table.Td>{p.montant} MAD</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {rows.length === 0 ? (
        <Text size="sm">Aucune pièce.</Text>
      ) : (
        <Text size="sm" data-testid="parts-total">
          Coût des pièces : {(total / 100).toFixed(2)} MAD
        </Text>
      )}
    </Card>
  );
}

export function InterventionPage() {
  const id = Number(useParams().id);
  const me = useMe();
  const staff = STAFF.includes(me.role);
  const intervention = useQuery({
    queryKey: ["intervention", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/interventions/{intervention_id}", { params: { path: { intervention_id: id } } })),
  });
  const transition = useTransition(id);
  const names = useTechnicienNames();
  const i = intervention.data;
  if (!i) return <ErrorText error={intervention.error} />;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Intervention n° {i.id} — {i.titre}
        </Title>
        <Group>
          <PrioriteBadge priorite={i.priorite} urgence={i.urgence} />
          <StatutBadge statut={i.statut} />
        </Group>
      </Group>
      <TransitionButtons
        intervention={i}
        busy={transition.isPending}
        onTransition={(to, extra) => transition.mutate({ to, ...extra })}
      />
      <ErrorText error={transition.error} />
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Stack>
            <Card withBorder>
              <Title order={2} size="h4" mb="xs">
                Détails
              </Title>
              <Table>
                <Table.Tbody>
                  {[
                    ["Type", i.type_intervention],
                    ["Équipement", i.equipement_id],
                    ["Client", i.client_id],
                    ["Technicien", i.technicien_id ? (names.get(i.technicien_id) ?? `n° ${i.technicien_id}`) : "—"],
                    ["Description", i.description ?? "—"],
                    ["Diagnostic", i.diagnostic ?? "—"],
                    ["Solution", i.solution ?? "—"],
                    ["Créée le", formatDate(i.date_creation)],
                    ["Début", formatDate(i.date_debut)],
                    ["Fin", formatDate(i.date_fin)],
                    ["Durée réelle (h)", i.duree_reelle ?? "—"],
                    ["Coût estimé (MAD)", i.cout_estime ?? "—"],
                    ["Coût réel (MAD)", i.cout_reel ?? "—"],
                    ["Satisfaction client", i.satisfaction_client ?? "—"],
                  ].map(([k, v]) => (
                    <Table.Tr key={String(k)}>
                      <Table.Th scope="row">{k}</Table.Th>
                      <Table.Td>{String(v)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Card>
            {staff && i.statut === "ouverte" ? <Assign intervention={i} /> : null}
            {staff && ["affectee", "en_attente"].includes(i.statut) ? <Planning intervention={i} /> : null}
            {me.role !== "client" ? <Parts id={id} /> : null}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Stack>
            {me.role !== "client" ? <History id={id} /> : null}
            <Documents id={id} />
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
