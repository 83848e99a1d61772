import { Badge, Button, Card, Group, NumberInput, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { ErrorText } from "../components/ErrorText";

type Piece = Schemas["PieceRead"];

/** Part names by id (the stock and use rows carry only the id). */
export function usePieceNames(): Map<number, string> {
  const pieces = useQuery({
    queryKey: ["pieces", "names"],
    queryFn: async () => unwrap(await api.GET("/api/v1/pieces", { params: { query: { limit: 200 } } })),
    staleTime: 60_000,
    retry: false,
  });
  return new Map((pieces.data?.items ?? []).map((p) => [p.id, `${p.reference} — ${p.nom}`]));
}

function Transfer({ pieces }: { pieces: Piece[] }) {
  const client = useQueryClient();
  const [piece, setPiece] = useState<string | null>(null);
  const [technicien, setTechnicien] = useState<string | null>(null);
  const [quantite, setQuantite] = useState<number>(1);
  const techniciens = useQuery({
    queryKey: ["techniciens", "all"],
    queryFn: async () => unwrap(await api.GET("/api/v1/techniciens", { params: { query: { limit: 200 } } })),
  });
  const transfer = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/pieces/{piece_id}/mouvements", {
          params: { path: { piece_id: Number(piece) } },
          body: {
            type_mouvement: "transfert",
            quantite,
            emplacement: "entrepot",
            emplacement_destination: `van-${technicien}`,
          },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ["pieces"] }),
  });
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Transfert vers un véhicule
      </Title>
      <Group align="end">
        <Select
          label="Pièce"
          searchable
          data={pieces.map((p) => ({ value: String(p.id), label: `${p.reference} — ${p.nom}` }))}
          value={piece}
          onChange={setPiece}
        />
        <Select
          label="Véhicule du technicien"
          data={(techniciens.data?.items ?? []).map((t) => ({ value: String(t.id), label: t.full_name }))}
          value={technicien}
          onChange={setTechnicien}
        />
        <NumberInput label="Quantité" min={1} w={110} value={quantite} onChange={(v) => setQuantite(Number(v) || 1)} />
        <Button disabled={!piece || !technicien} loading={transfer.isPending} onClick={() => transfer.mutate()}>
          Transférer
        </Button>
      </Group>
      {transfer.isSuccess ? (
        <Text size="sm" role="status">
          Transfert enregistré (stock restant à l'entrepôt : {transfer.data.stock_apres}).
        </Text>
      ) : null}
      <ErrorText error={transfer.error} />
    </Card>
  );
}

/** The stock: parts under their threshold first, then the others; transfers to vans. */
export function Stock() {
  const low = useQuery({
    queryKey: ["pieces", "sous-seuil"],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/pieces", { params: { query: { sous_seuil: true, active: true, limit: 200 } } })),
  });
  const all = useQuery({
    queryKey: ["pieces", "all"],
    queryFn: async () => unwrap(await api.GET("/api/v1/pieces", { params: { query: { active: true, limit: 200 } } })),
  });
  const lowIds = new Set((low.data?.items ?? []).map((p) => p.id));
  const rows = [...(low.data?.items ?? []), ...(all.data?.items ?? []).filter((p) => !lowIds.has(p.id))];
  return (
    <Stack>
      <Title order={1} size="h2">
        Stock
      </Title>
      <ErrorText error={low.error ?? all.error} />
      <Table striped aria-label="Pièces en stock">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Référence</Table.Th>
            <Table.Th>Désignation</Table.Th>
            <Table.Th>En stock</Table.Th>
            <Table.Th>Réservé</Table.Th>
            <Table.Th>Seuil</Table.Th>
            <Table.Th>Prix unitaire</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((p) => (
            <Table.Tr key={p.id} data-testid={`piece-${p.id}`}>
              <Table.Td>{p.reference}</Table.Td>
              <Table.Td>
                {p.nom}{" "}
                {p.sous_seuil ? (
                  <Badge color="#b3261e" variant="filled">
                    Sous le seuil
                  </Badge>
                ) : null}
              </Table.Td>
              <Table.Td>
                {p.stock_actuel} {p.unite}
              </Table.Td>
              <Table.Td>{p.stock_reserve}</Table.Td>
              <Table.Td>{p.stock_minimum}</Table.Td>
              <Table.Td>{p.prix_unitaire} MAD</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {all.data && rows.length === 0 ? <Text>Aucune pièce.</Text> : null}
      <Transfer pieces={all.data?.items ?? []} />
    </Stack>
  );
}
