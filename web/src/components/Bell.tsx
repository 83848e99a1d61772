import { ActionIcon, Indicator, Popover, Stack, Text, Button } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { accessToken, refresh } from "../api/auth";
import { call } from "../api/client";

type Notification = { id: number; titre?: string; message?: string; lu?: boolean; date_creation?: string };

/** Server-sent events read with fetch (EventSource cannot send the bearer token). Each new
 * notification refreshes the unread count and the interventions on screen. */
export function useNotificationStream(onEvent: () => void): boolean {
  const [live, setLive] = useState(false);
  useEffect(() => {
    let stopped = false;
    let controller: AbortController | null = null;
    let lastId: string | null = null;
    async function run() {
      while (!stopped) {
        controller = new AbortController();
        try {
          const headers: Record<string, string> = { Accept: "text/event-stream" };
          const token = accessToken();
          if (token) headers.Authorization = `Bearer ${token}`;
          if (lastId) headers["Last-Event-ID"] = lastId;
          const answer = await fetch("/api/v1/notifications/stream", { headers, signal: controller.signal });
          if (answer.status === 401) await refresh(); // expired: a new token, then reconnect
          if (!answer.ok || !answer.body) throw new Error(String(answer.status));
          setLive(true);
          const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let cut: number;
            while ((cut = buffer.indexOf("\n\n")) >= 0) {
              const block = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              const id = block.match(/^id: ?(.*)$/m)?.[1];
              if (id) lastId = id;
              if (/^data:/m.test(block)) onEvent();
            }
          }
        } catch {
          /* not available yet, or the connection dropped: retry below */
        }
        setLive(false);
        if (!stopped) await new Promise((r) => setTimeout(r, 5_000));
      }
    }
    void run();
    return () => {
      stopped = true;
      controller?.abort();
    };
  }, [onEvent]);
  return live;
}

export function Bell() {
  const client = useQueryClient();
  const count = useQuery({
    queryKey: ["notifications", "non-lues"],
    queryFn: () => call<{ count?: number; non_lues?: number } | number>("/notifications/non-lues"),
    retry: false,
    refetchInterval: 60_000,
  });
  const list = useQuery({
    queryKey: ["notifications", "list"],
    queryFn: () => call<{ items: Notification[] }>("/notifications?limit=10"),
    retry: false,
  });
  const [onEvent] = useState(() => () => {
    void client.invalidateQueries({ queryKey: ["notifications"] });
    void client.invalidateQueries({ queryKey: ["interventions"] });
    void client.invalidateQueries({ queryKey: ["intervention"] });
  });
  const live = useNotificationStream(onEvent);
  const data = count.data;
  const unread = typeof data === "number" ? data : (data?.count ?? data?.non_lues ?? 0);
  return (
    <Indicator label={unread} size={18} disabled={!unread} color="#b3261e" data-testid="bell-count">
      <Popover width={320} position="bottom-end" withArrow>
        <Popover.Target>
          <ActionIcon
            variant="default"
            size="lg"
            aria-label={`Notifications : ${unread} non lue(s)${live ? " (en direct)" : ""}`}
          >
            <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
              <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
              <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
            </svg>
          </ActionIcon>
        </Popover.Target>
      <Popover.Dropdown>
        <Stack gap={6}>
          {(list.data?.items ?? []).map((n) => (
            <Text key={n.id} size="sm" fw={n.lu ? 400 : 700}>
              {n.titre ?? n.message}
            </Text>
          ))}
          {!list.data?.items?.length ? <Text size="sm">Aucune notification.</Text> : null}
          {unread ? (
            <Button
              size="xs"
              variant="light"
              onClick={() =>
                void call("/notifications/lecture", { method: "POST" }).then(() =>
                  client.invalidateQueries({ queryKey: ["notifications"] }),
                )
              }
            >
              Tout marquer comme lu
            </Button>
          ) : null}
        </Stack>
        </Popover.Dropdown>
      </Popover>
    </Indicator>
  );
}
