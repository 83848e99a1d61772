import { Badge, Button, Checkbox, Group, Loader, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap, type Intervention, type Priorite, type Statut } from "../api/client";
import { ErrorText } from "../components/ErrorText";
import { formatDate, PRIORITES, STATUTS } from "../domain";
import { CreateIntervention } from "./CreateIntervention";

export type Filters = {
  statut: Statut | null;
  priorite: Priorite | null;
  urgence: boolean;
  technicien_id: number | null;
};

export const NO_FILTERS: Filters = { statut: null, priorite: null, urgence: false, technicien_id: null };
export const PAGE_SIZE = 50;

/** The query string of one page of the board for these filters. */
export function boardQuery(filters: Filters, cursor: string | null) {
  return {
    limit: PAGE_SIZE,
    ...(cursor ? { cursor } : {}),
    ...(filters.statut ? { statut: filters.statut } : {}),
    ...(filters.priorite ? { priorite: filters.priorite } : {}),
    ...(filters.urgence ? { urgence: true } : {}),
    ...(filters.technicien_id ? { technicien_id: filters.technicien_id } : {}),
  };
}

// Dark enough for white text (contrast at least 4.5:1).
export const PRIORITY_COLOR: Record<string, string> = {
  urgente: "#b3261e",
  haute: "#9a4d00",
  normale: "#1c5fa8",
  basse: "#495057",
  programmee: "#6b3fa0",
};

export function StatutBadge({ statut }: { statut: Statut }) {
  const { t } = useTranslation();
  return (
    <Badge variant="light" color="dark">
      {t(`statut.${statut}`)}
    </Badge>
  );
}

export function PrioriteBadge({ priorite, urgence }: { priorite: string; urgence?: boolean }) {
  const { t } = useTranslation();
  return (
    <Group gap={4} wrap="nowrap">
      <Badge color={PRIORITY_COLOR[priorite] ?? "#495057"} variant="filled">
        {t(`priorite.${priorite}`)}
      </Badge>
      {urgence ? (
        <Badge color="#b3261e" variant="outline">
          Urgence
        </Badge>
      ) : null}
    </Group>
  );
}

/** Technicians' names by id (one cached list shared by every screen). */
export function useTechnicienNames(): Map<number, string> {
  const techniciens = useQuery({
    queryKey: ["techniciens", "all"],
    queryFn: async () => unwrap(await api.GET("/api/v1/techniciens", { params: { query: { limit: 200 } } })),
  });
  return new Map((techniciens.data?.items ?? []).map((x) => [x.id, x.full_name]));
}

export function BoardFilters({ value, onChange }: { value: Filters; onChange: (f: Filters) => void }) {
  const { t } = useTranslation();
  const techniciens = useQuery({
    queryKey: ["techniciens", "all"],
    queryFn: async () => unwrap(await api.GET("/api/v1/techniciens", { params: { query: { limit: 200 } } })),
  });
  return (
    <Group align="end" role="search" aria-label="Filtres">
      <Select
        label="Statut"
        placeholder={t("all")}
        clearable
        clearButtonProps={{ "aria-label": "Effacer" }}
        data={STATUTS.map((s) => ({ value: s, label: t(`statut.${s}`) }))}
        value={value.statut}
        onChange={(v) => onChange({ ...value, statut: (v as Statut) ?? null })}
      />
      <Select
        label="Priorité"
        placeholder={t("all")}
        clearable
        clearButtonProps={{ "aria-label": "Effacer" }}
        data={PRIORITES.map((p) => ({ value: p, label: t(`priorite.${p}`) }))}
        value={value.priorite}
        onChange={(v) => onChange({ ...value, priorite: (v as Priorite) ?? null })}
      />
      <Select
        label="Technicien"
        placeholder="Tous"
        clearable
        clearButtonProps={{ "aria-label": "Effacer" }}
        searchable
        data={(techniciens.data?.items ?? []).map((x) => ({ value: String(x.id), label: x.full_name }))}
        value={value.technicien_id ? String(value.technicien_id) : null}
        onChange={(v) => onChange({ ...value, technicien_id: v ? Number(v) : null })}
      />
      <Checkbox
        label="Urgences seulement"
        checked={value.urgence}
        onChange={(e) => onChange({ ...value, urgence: e.currentTarget.checked })}
        mb={8}
      />
    </Group>
  );
}

export function Board() {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const board = useInfiniteQuery({
    queryKey: ["interventions", "board", filters],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET("/api/v1/interventions", { params: { query: boardQuery(filters, pageParam) } })),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const items: Intervention[] = board.data?.pages.flatMap((p) => p.items) ?? [];
  const names = useTechnicienNames();
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = sentinel.current;
    if (!node || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && board.hasNextPage && !board.isFetchingNextPage) {
        void board.fetchNextPage();
      }
    });
    observer.observe(node);
    return () => observer.disconnect();
  }, [board]);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("nav.board")}
        </Title>
        <CreateIntervention />
      </Group>
      <BoardFilters value={filters} onChange={setFilters} />
      <ErrorText error={board.error} />
      <Table striped highlightOnHover stickyHeader aria-label="Interventions" data-testid="board">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>N°</Table.Th>
            <Table.Th>Titre</Table.Th>
            <Table.Th>Priorité</Table.Th>
            <Table.Th>Statut</Table.Th>
            <Table.Th>Technicien</Table.Th>
            <Table.Th>Créée le</Table.Th>
            <Table.Th>Planifiée</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((i) => (
            <Table.Tr key={i.id} data-statut={i.statut}>
              <Table.Td>{i.id}</Table.Td>
              <Table.Td>
                <Link to={`/interventions/${i.id}`}>{i.titre}</Link>
              </Table.Td>
              <Table.Td>
                <PrioriteBadge priorite={i.priorite} urgence={i.urgence} />
              </Table.Td>
              <Table.Td>
                <StatutBadge statut={i.statut} />
              </Table.Td>
              <Table.Td>{i.technicien_id ? (names.get(i.technicien_id) ?? `n° ${i.technicien_id}`) : "—"}</Table.Td>
              <Table.Td>{formatDate(i.date_creation)}</Table.Td>
              <Table.Td>{formatDate(i.date_planifiee)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {board.isPending ? <Loader role="status" aria-label={t("loading")} /> : null}
      {!board.isPending && items.length === 0 ? <Text>Aucune intervention pour ces filtres.</Text> : null}
      <div ref={sentinel} aria-hidden="true" />
      {board.hasNextPage ? (
        <Button variant="light" onClick={() => void board.fetchNextPage()} loading={board.isFetchingNextPage}>
          {t("more")}
        </Button>
      ) : null}
    </Stack>
  );
}
