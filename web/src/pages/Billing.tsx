import { Anchor, Badge, Button, Card, Group, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, blobUrl, unwrap, type Schemas } from "../api/client";
import { ErrorText } from "../components/ErrorText";

type Facture = Schemas["FactureRead"];
type StatutFacture = Schemas["StatutFacture"];

export const STATUT_FACTURE: Record<StatutFacture, string> = {
  brouillon: "Brouillon",
  envoyee: "Émise",
  payee: "Payée",
  en_retard: "En retard",
  annulee: "Annulée",
};

/** Download an invoice's PDF (behind the bearer token, so through an object URL). */
export async function downloadPdf(f: Pick<Facture, "id" | "numero_facture">): Promise<void> {
  const url = await blobUrl(`/factures/${f.id}/pdf`);
  const a = document.createElement("a");
  a.href = url;
  a.download = `${f.numero_facture ?? `brouillon-${f.id}`}.pdf`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function InvoiceActions({ facture }: { facture: Facture }) {
  const client = useQueryClient();
  const done = () => client.invalidateQueries({ queryKey: ["factures"] });
  const emit = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/factures/{facture_id}/emission", { params: { path: { facture_id: facture.id } } }),
      ),
    onSuccess: done,
  });
  const pay = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/factures/{facture_id}/paiements", {
          params: { path: { facture_id: facture.id } },
          body: {
            date_paiement: new Date().toLocaleDateString("sv-SE", { timeZone: "Africa/Casablanca" }),
            montant: facture.solde,
            mode_paiement: "virement",
          },
        }),
      ),
    onSuccess: done,
  });
  const label = facture.numero_facture ?? `brouillon n° ${facture.id}`;
  return (
    <Group gap="xs" wrap="nowrap">
      {facture.statut === "brouillon" ? (
        <Button size="xs" loading={emit.isPending} onClick={() => emit.mutate()} aria-label={`Émettre ${label}`}>
          Émettre
        </Button>
      ) : null}
      {["envoyee", "en_retard"].includes(facture.statut) && Number(facture.solde) > 0 ? (
        <Button size="xs" loading={pay.isPending} onClick={() => pay.mutate()} aria-label={`Paiement reçu : ${label}`}>
          Paiement reçu
        </Button>
      ) : null}
      <Anchor component="button" size="sm" onClick={() => void downloadPdf(facture)} aria-label={`PDF de ${label}`}>
        PDF
      </Anchor>
      <ErrorText error={emit.error ?? pay.error} />
    </Group>
  );
}

function Invoices({ names }: { names: Map<number, string> }) {
  const [statut, setStatut] = useState<string | null>(null);
  const factures = useQuery({
    queryKey: ["factures", statut],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/factures", {
          params: { query: { limit: 100, ...(statut ? { statut: statut as StatutFacture } : {}) } },
        }),
      ),
  });
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          Factures
        </Title>
        <Select
          label="Statut de la facture"
          placeholder="Tous"
          clearable
          clearButtonProps={{ "aria-label": "Effacer" }}
          data={Object.entries(STATUT_FACTURE).map(([value, label]) => ({ value, label }))}
          value={statut}
          onChange={setStatut}
        />
      </Group>
      <ErrorText error={factures.error} />
      <Table striped aria-label="Factures">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Numéro</Table.Th>
            <Table.Th>Client</Table.Th>
            <Table.Th>Statut</Table.Th>
            <Table.Th>Montant TTC</Table.Th>
            <Table.Th>Reste à payer</Table.Th>
            <Table.Th>Actions</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(factures.data?.items ?? []).map((f) => (
            <Table.Tr key={f.id} data-testid={`facture-${f.id}`} data-client={f.client_id}>
              <Table.Td>{f.numero_facture ?? `Brouillon n° ${f.id}`}</Table.Td>
              <Table.Td>{names.get(f.client_id) ?? `Client ${f.client_id}`}</Table.Td>
              <Table.Td>
                <Badge variant="filled" color={f.statut === "en_retard" ? "#b3261e" : f.statut === "payee" ? "#1e7a34" : "#1c4f8a"}>
                  {STATUT_FACTURE[f.statut]}
                </Badge>
              </Table.Td>
              <Table.Td>
                {f.montant_ttc} {f.devise}
              </Table.Td>
              <Table.Td>
                {f.solde} {f.devise}
              </Table.Td>
              <Table.Td>
                <InvoiceActions facture={f} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {factures.data?.items.length === 0 ? <Text size="sm">Aucune facture.</Text> : null}
    </Card>
  );
}

function Contracts({ names }: { names: Map<number, string> }) {
  const contrats = useQuery({
    queryKey: ["contrats", "all"],
    queryFn: async () => unwrap(await api.GET("/api/v1/contrats", { params: { query: { limit: 100 } } })),
  });
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Contrats
      </Title>
      <ErrorText error={contrats.error} />
      <Table striped aria-label="Contrats">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Numéro</Table.Th>
            <Table.Th>Client</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>Statut</Table.Th>
            <Table.Th>Période</Table.Th>
            <Table.Th>Quota utilisé</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(contrats.data?.items ?? []).map((c) => (
            <Table.Tr key={c.id}>
              <Table.Td>{c.numero_contrat}</Table.Td>
              <Table.Td>{names.get(c.client_id) ?? `Client ${c.client_id}`}</Table.Td>
              <Table.Td>{c.type_contrat}</Table.Td>
              <Table.Td>{c.statut}</Table.Td>
              <Table.Td>
                {c.date_debut} → {c.date_fin}
              </Table.Td>
              <Table.Td>
                {c.nb_interventions_utilisees} / {c.nb_interventions_incluses}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {contrats.data?.items.length === 0 ? <Text size="sm">Aucun contrat.</Text> : null}
    </Card>
  );
}

/** Contracts (quota used) and invoices (emit, record the payment, PDF). */
export function Billing() {
  const clients = useQuery({
    queryKey: ["clients", "all"],
    queryFn: async () => unwrap(await api.GET("/api/v1/clients", { params: { query: { limit: 200 } } })),
  });
  const names = new Map((clients.data?.items ?? []).map((c) => [c.id, c.nom_entreprise]));
  return (
    <Stack>
      <Title order={1} size="h2">
        Contrats et factures
      </Title>
      <Invoices names={names} />
      <Contracts names={names} />
    </Stack>
  );
}
