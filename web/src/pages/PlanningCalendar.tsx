import type { DateSelectArg, EventDropArg, EventInput } from "@fullcalendar/core";
import frLocale from "@fullcalendar/core/locales/fr";
import interactionPlugin from "@fullcalendar/interaction";
import FullCalendar from "@fullcalendar/react";
import timeGridPlugin from "@fullcalendar/timegrid";
import { Select, Stack, Text, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { ErrorText } from "../components/ErrorText";

/** The technicians' calendar: drag a slot to move it, select a time range to plan the chosen
 * intervention; the server's refusal (double booking) is shown and the slot put back. */
export default function PlanningCalendar() {
  const client = useQueryClient();
  const [range, setRange] = useState<{ du: string; au: string } | null>(null);
  const [technicien, setTechnicien] = useState<string | null>(null);
  const [toPlan, setToPlan] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const techniciens = useQuery({
    queryKey: ["techniciens", "all"],
    queryFn: async () => unwrap(await api.GET("/api/v1/techniciens", { params: { query: { limit: 200 } } })),
  });
  const unplanned = useQuery({
    queryKey: ["interventions", "affectees"],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/interventions", { params: { query: { statut: "affectee", limit: 200 } } })),
  });
  const slots = useQuery({
    queryKey: ["planning", "calendar", range, technicien],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/planning", {
          params: { query: { ...range!, limit: 200, ...(technicien ? { technicien_id: Number(technicien) } : {}) } },
        }),
      ),
    enabled: range !== null,
  });
  const names = new Map((techniciens.data?.items ?? []).map((x) => [x.id, x.full_name]));
  const events: EventInput[] = (slots.data?.items ?? []).map((s) => ({
    id: String(s.intervention_id),
    title: `n° ${s.intervention_id} · ${names.get(s.technicien_id ?? 0) ?? "?"}`,
    start: s.date_debut,
    end: s.date_fin,
    color: s.confirme ? "#2f7d32" : "#1c5fa8",
  }));
  async function put(interventionId: number, start: Date, end: Date): Promise<boolean> {
    const r = await api.PUT("/api/v1/interventions/{intervention_id}/planning", {
      params: { path: { intervention_id: interventionId } },
      body: { date_debut: start.toISOString(), date_fin: end.toISOString() },
    });
    try {
      unwrap(r);
      setError(null);
      void client.invalidateQueries({ queryKey: ["planning"] });
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  }
  async function drop(info: EventDropArg) {
    if (!(await put(Number(info.event.id), info.event.start!, info.event.end!))) info.revert();
  }
  async function select(info: DateSelectArg) {
    if (!toPlan) {
      setError(null);
      return;
    }
    if (await put(Number(toPlan), info.start, info.end)) setToPlan(null);
  }
  return (
    <Stack>
      <Title order={1} size="h2">
        Planning des techniciens
      </Title>
      <Select
        label="Technicien"
        placeholder="Tous"
        clearable
        clearButtonProps={{ "aria-label": "Effacer" }}
        data={(techniciens.data?.items ?? []).map((x) => ({ value: String(x.id), label: x.full_name }))}
        value={technicien}
        onChange={setTechnicien}
      />
      <Select
        label="Intervention à planifier (puis sélectionnez un créneau)"
        clearable
        clearButtonProps={{ "aria-label": "Effacer" }}
        data={(unplanned.data?.items ?? []).map((i) => ({ value: String(i.id), label: `n° ${i.id} — ${i.titre}` }))}
        value={toPlan}
        onChange={setToPlan}
      />
      <ErrorText error={error ?? slots.error} />
      <Text size="sm">Glissez un créneau pour le déplacer.</Text>
      <FullCalendar
        plugins={[timeGridPlugin, interactionPlugin]}
        initialView="timeGridWeek"
        locale={frLocale}
        // text buttons, not icon fonts: the icons have no accessible name (axe role-img-alt)
        buttonIcons={false}
        buttonText={{ prev: "Précédent", next: "Suivant", today: "Aujourd'hui", week: "Semaine", day: "Jour" }}
        headerToolbar={{ left: "prev,next today", center: "title", right: "timeGridWeek,timeGridDay" }}
        timeZone="local"
        slotMinTime="06:00:00"
        slotMaxTime="21:00:00"
        height="auto"
        editable
        selectable
        events={events}
        datesSet={(d) => setRange({ du: d.start.toISOString(), au: d.end.toISOString() })}
        eventDrop={(info) => void drop(info)}
        select={(info) => void select(info)}
      />
    </Stack>
  );
}
