import { Button, Card, Group, Progress, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, blobUrl, unwrap, type Schemas } from "../api/client";
import { ErrorText } from "../components/ErrorText";

type TypeReport = Schemas["TypeReport"];
type FormatReport = Schemas["FormatReport"];

const TYPES: Record<TypeReport, string> = {
  interventions: "Interventions",
  performance: "Performance des techniciens",
  stock: "Stock",
  facturation: "Facturation",
  client: "Client",
};
const FORMATS: Record<FormatReport, string> = { pdf: "PDF", excel: "Excel", csv: "CSV" };
const STATUTS: Record<string, string> = {
  en_attente: "En attente",
  en_cours: "En cours",
  termine: "Terminé",
  erreur: "Erreur",
};

async function download(id: number, format: FormatReport) {
  const url = await blobUrl(`/reports/${id}/fichier`);
  const a = document.createElement("a");
  a.href = url;
  a.download = `rapport-${id}.${format === "excel" ? "xlsx" : format}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** One requested report: its progress until done, then the download. */
function ReportRow({ id }: { id: number }) {
  const report = useQuery({
    queryKey: ["reports", id],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/reports/{report_id}", { params: { path: { report_id: id } } })),
    refetchInterval: (q) => (q.state.data && ["termine", "erreur"].includes(q.state.data.statut) ? false : 1_000),
  });
  const r = report.data;
  if (!r) return <ErrorText error={report.error} />;
  return (
    <Card withBorder data-testid={`report-${id}`}>
      <Group justify="space-between" wrap="nowrap">
        <Text fw={600}>
          {r.nom} ({TYPES[r.type_report]}, {FORMATS[r.format]})
        </Text>
        <Text size="sm">{STATUTS[r.statut] ?? r.statut}</Text>
      </Group>
      <Progress value={r.progression} aria-label={`Progression du rapport ${r.nom}`} mt="xs" />
      {r.erreur_message ? <Text c="red">{r.erreur_message}</Text> : null}
      {r.fichier_disponible ? (
        <Button size="xs" mt="xs" onClick={() => void download(r.id, r.format)}>
          Télécharger
        </Button>
      ) : null}
    </Card>
  );
}

export function Reports() {
  const [type, setType] = useState<TypeReport>("interventions");
  const [format, setFormat] = useState<FormatReport>("pdf");
  const [nom, setNom] = useState("Rapport des interventions");
  const [du, setDu] = useState("");
  const [au, setAu] = useState("");
  const [requested, setRequested] = useState<number[]>([]);
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/reports", {
          body: {
            nom,
            type_report: type,
            format,
            parametres: { ...(du ? { du } : {}), ...(au ? { au } : {}) },
          },
        }),
      ),
    onSuccess: (r) => setRequested((ids) => [r.id, ...ids]),
  });
  return (
    <Stack>
      <Title order={1} size="h2">
        Rapports
      </Title>
      <Card withBorder>
        <Stack>
          <Group align="end">
            <Select
              label="Type de rapport"
              data={Object.entries(TYPES).map(([value, label]) => ({ value, label }))}
              value={type}
              allowDeselect={false}
              onChange={(v) => v && setType(v as TypeReport)}
            />
            <Select
              label="Format"
              data={Object.entries(FORMATS).map(([value, label]) => ({ value, label }))}
              value={format}
              allowDeselect={false}
              onChange={(v) => v && setFormat(v as FormatReport)}
            />
            <TextInput label="Nom du rapport" value={nom} onChange={(e) => setNom(e.currentTarget.value)} />
          </Group>
          <Group align="end">
            <TextInput type="date" label="Du" value={du} onChange={(e) => setDu(e.currentTarget.value)} />
            <TextInput type="date" label="Au" value={au} onChange={(e) => setAu(e.currentTarget.value)} />
            <Button loading={create.isPending} disabled={type === "client"} onClick={() => create.mutate()}>
              Demander le rapport
            </Button>
          </Group>
          {type === "client" ? <Text size="sm">Le rapport client se demande depuis la fiche du client.</Text> : null}
          <ErrorText error={create.error} />
        </Stack>
      </Card>
      {requested.map((id) => (
        <ReportRow key={id} id={id} />
      ))}
      {requested.length === 0 ? <Text size="sm">Aucun rapport demandé dans cette session.</Text> : null}
    </Stack>
  );
}
