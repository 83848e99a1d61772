import { Card, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, call, unwrap } from "../api/client";
import { ErrorText } from "../components/ErrorText";
import { PRIORITES, STATUTS } from "../domain";

function Chart({ title, labels, values }: { title: string; labels: string[]; values: number[] }) {
  const node = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let disposed = false;
    let chart: { dispose(): void } | null = null;
    // ECharts is loaded only when a chart is shown
    void import("echarts").then((echarts) => {
      if (disposed || !node.current) return;
      const c = echarts.init(node.current, undefined, { renderer: "svg" });
      c.setOption({
        aria: { enabled: true },
        tooltip: {},
        xAxis: { type: "category", data: labels },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: values, itemStyle: { color: "#1c5fa8" } }],
      });
      chart = c;
    });
    return () => {
      disposed = true;
      chart?.dispose();
    };
  }, [labels, values]);
  return (
    <Card withBorder>
      <Title order={2} size="h4">
        {title}
      </Title>
      <div ref={node} style={{ height: 260 }} role="img" aria-label={`${title} : ${labels.map((l, i) => `${l} ${values[i]}`).join(", ")}`} />
    </Card>
  );
}

export default function Kpis() {
  const { t } = useTranslation();
  const open = useQuery({
    queryKey: ["interventions", "kpi"],
    queryFn: async () => unwrap(await api.GET("/api/v1/interventions", { params: { query: { limit: 200 } } })).items,
  });
  const kpis = useQuery({
    queryKey: ["stats", "kpis"],
    queryFn: () => call<Record<string, unknown>>("/stats/kpis"),
    retry: false,
  });
  const items = open.data ?? [];
  const backlog = items.filter((i) => !["cloturee", "annulee", "archivee"].includes(i.statut));
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("nav.kpis")}
      </Title>
      <ErrorText error={open.error} />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Chart
          title="Carnet de commandes par priorité"
          labels={PRIORITES.map((p) => t(`priorite.${p}`))}
          values={PRIORITES.map((p) => backlog.filter((i) => i.priorite === p).length)}
        />
        <Chart
          title="Interventions par statut"
          labels={STATUTS.map((s) => t(`statut.${s}`))}
          values={STATUTS.map((s) => items.filter((i) => i.statut === s).length)}
        />
      </SimpleGrid>
      <Card withBorder>
        <Title order={2} size="h4">
          MTTR, MTBF, taux de clôture
        </Title>
        {kpis.error instanceof ApiError && [404, 501].includes(kpis.error.status) ? (
          <Text size="sm">{t("unavailable")}</Text>
        ) : (
          <Text size="sm" component="pre">
            {kpis.data ? JSON.stringify(kpis.data, null, 2) : t("loading")}
          </Text>
        )}
      </Card>
    </Stack>
  );
}
