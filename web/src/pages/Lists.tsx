import { Badge, Stack, Table, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { ErrorText } from "../components/ErrorText";

function SimpleTable({ caption, head, rows }: { caption: string; head: string[]; rows: ReactNode[][] }) {
  return (
    <Table striped aria-label={caption}>
      <Table.Thead>
        <Table.Tr>
          {head.map((h) => (
            <Table.Th key={h}>{h}</Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((r, n) => (
          <Table.Tr key={n}>
            {r.map((c, k) => (
              <Table.Td key={k}>{c}</Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function Equipements() {
  const q = useQuery({
    queryKey: ["equipements", "all"],
    queryFn: async () => unwrap(await api.GET("/api/v1/equipements", { params: { query: { limit: 200 } } })),
  });
  return (
    <Stack>
      <Title order={1} size="h2">
        Équipements
      </Title>
      <ErrorText error={q.error} />
      <SimpleTable
        caption="Équipements"
        head={["Nom", "N° de série", "Client", "Statut", "Criticité", "Prochaine maintenance", "Fin de garantie"]}
        rows={(q.data?.items ?? []).map((e) => [
          e.nom,
          e.numero_serie,
          e.client_id,
          e.statut,
          e.criticite,
          e.prochaine_maintenance ?? "—",
          (e as { date_fin_garantie?: string | null }).date_fin_garantie ?? "—",
        ])}
      />
    </Stack>
  );
}

export function Techniciens() {
  const q = useQuery({
    queryKey: ["techniciens", "all"],
    queryFn: async () => unwrap(await api.GET("/api/v1/techniciens", { params: { query: { limit: 200 } } })),
  });
  return (
    <Stack>
      <Title order={1} size="h2">
        Techniciens
      </Title>
      <ErrorText error={q.error} />
      <SimpleTable
        caption="Techniciens"
        head={["Nom", "Spécialité", "Équipe", "Zone", "Disponibilité"]}
        rows={(q.data?.items ?? []).map((x) => [
          x.full_name,
          x.specialite ?? "—",
          x.equipe ?? "—",
          x.zone_geographique ?? "—",
          <Badge key="d" variant="light" color="dark">
            {x.disponibilite}
          </Badge>,
        ])}
      />
    </Stack>
  );
}

export function Clients() {
  const q = useQuery({
    queryKey: ["clients", "all"],
    queryFn: async () => unwrap(await api.GET("/api/v1/clients", { params: { query: { limit: 200 } } })),
  });
  return (
    <Stack>
      <Title order={1} size="h2">
        Clients
      </Title>
      <ErrorText error={q.error} />
      <SimpleTable
        caption="Clients"
        head={["Entreprise", "Ville", "Type", "Niveau de service", "Contact"]}
        rows={(q.data?.items ?? []).map((c) => [
          c.nom_entreprise,
          c.ville ?? "—",
          c.type_client,
          c.niveau_service,
          c.contact_principal ?? c.email,
        ])}
      />
    </Stack>
  );
}
