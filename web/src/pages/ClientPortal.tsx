import { Anchor, Button, Card, Group, Rating, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type Intervention } from "../api/client";
import { ErrorText } from "../components/ErrorText";
import { formatDate } from "../domain";
import { downloadPdf, STATUT_FACTURE } from "./Billing";
import { StatutBadge } from "./Board";
import { CreateIntervention } from "./CreateIntervention";

function Evaluate({ intervention }: { intervention: Intervention }) {
  const client = useQueryClient();
  const [value, setValue] = useState(0);
  const evaluate = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/interventions/{intervention_id}/evaluation", {
          params: { path: { intervention_id: intervention.id } },
          body: { satisfaction_client: value },
        }),
      ),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["interventions"] }),
  });
  if (intervention.satisfaction_client) return <Text size="sm">Votre note : {intervention.satisfaction_client}/5</Text>;
  return (
    <Group gap="xs">
      <Rating value={value} onChange={setValue} aria-label="Note de satisfaction" />
      <Button size="xs" disabled={!value} loading={evaluate.isPending} onClick={() => evaluate.mutate()}>
        Évaluer
      </Button>
      <ErrorText error={evaluate.error} />
    </Group>
  );
}

function MyContract() {
  const contrats = useQuery({
    queryKey: ["contrats", "mine"],
    queryFn: async () => unwrap(await api.GET("/api/v1/contrats", { params: { query: { limit: 20 } } })),
    retry: false,
  });
  const active = (contrats.data?.items ?? []).filter((c) => c.statut === "actif");
  return (
    <>
      <ErrorText error={contrats.error} />
      {active.map((c) => (
        <Text key={c.id} size="sm">
          Contrat {c.numero_contrat} ({c.type_contrat}) du {c.date_debut} au {c.date_fin} : {c.nb_interventions_utilisees}{" "}
          intervention(s) utilisée(s) sur {c.nb_interventions_incluses} incluse(s).
        </Text>
      ))}
      {contrats.data && active.length === 0 ? <Text size="sm">Aucun contrat actif.</Text> : null}
    </>
  );
}

function Invoices() {
  const factures = useQuery({
    queryKey: ["factures", "mine"],
    queryFn: async () => unwrap(await api.GET("/api/v1/factures", { params: { query: { limit: 50 } } })),
    retry: false,
  });
  // a draft is still being prepared: the client sees issued invoices only
  const issued = (factures.data?.items ?? []).filter((f) => f.statut !== "brouillon");
  return (
    <>
      <ErrorText error={factures.error} />
      <Table aria-label="Mes factures">
        <Table.Tbody>
          {issued.map((f) => (
            <Table.Tr key={f.id} data-testid={`client-facture-${f.id}`}>
              <Table.Td>{f.numero_facture}</Table.Td>
              <Table.Td>{f.date_emission}</Table.Td>
              <Table.Td>
                {f.montant_ttc} {f.devise}
              </Table.Td>
              <Table.Td>{STATUT_FACTURE[f.statut]}</Table.Td>
              <Table.Td>
                <Anchor component="button" onClick={() => void downloadPdf(f)}>
                  PDF de la facture {f.numero_facture}
                </Anchor>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {factures.data && issued.length === 0 ? <Text size="sm">Aucune facture.</Text> : null}
    </>
  );
}

export function ClientPortal() {
  const equipements = useQuery({
    queryKey: ["equipements", "mine"],
    queryFn: async () => unwrap(await api.GET("/api/v1/equipements", { params: { query: { limit: 200 } } })),
  });
  const interventions = useQuery({
    queryKey: ["interventions", "client"],
    queryFn: async () => unwrap(await api.GET("/api/v1/interventions", { params: { query: { limit: 100 } } })),
    refetchInterval: 30_000,
  });
  return (
    <Stack>
      <Title order={1} size="h2">
        Mon espace client
      </Title>
      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Title order={2} size="h4">
            Mes équipements
          </Title>
          <CreateIntervention label="Demander une intervention" />
        </Group>
        <ErrorText error={equipements.error} />
        <Table aria-label="Mes équipements">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Équipement</Table.Th>
              <Table.Th>N° de série</Table.Th>
              <Table.Th>Statut</Table.Th>
              <Table.Th>Prochaine maintenance</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(equipements.data?.items ?? []).map((e) => (
              <Table.Tr key={e.id}>
                <Table.Td>{e.nom}</Table.Td>
                <Table.Td>{e.numero_serie}</Table.Td>
                <Table.Td>{e.statut}</Table.Td>
                <Table.Td>{e.prochaine_maintenance ?? "—"}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
      <Card withBorder>
        <Title order={2} size="h4" mb="xs">
          Mes demandes d'intervention
        </Title>
        <ErrorText error={interventions.error} />
        <Table aria-label="Mes interventions">
          <Table.Tbody>
            {(interventions.data?.items ?? []).map((i) => (
              <Table.Tr key={i.id} data-testid={`client-intervention-${i.id}`}>
                <Table.Td>
                  <Link to={`/interventions/${i.id}`}>
                    n° {i.id} — {i.titre}
                  </Link>
                </Table.Td>
                <Table.Td>
                  <StatutBadge statut={i.statut} />
                </Table.Td>
                <Table.Td>{formatDate(i.date_creation)}</Table.Td>
                <Table.Td>{i.statut === "cloturee" ? <Evaluate intervention={i} /> : null}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
      <Card withBorder>
        <Title order={2} size="h4" mb="xs">
          Mon contrat
        </Title>
        <MyContract />
      </Card>
      <Card withBorder>
        <Title order={2} size="h4" mb="xs">
          Mes factures
        </Title>
        <Invoices />
      </Card>
    </Stack>
  );
}
