import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter } from "react-router-dom";
import type { Me } from "../src/api/client";
import "../src/i18n";
import { FixedSession } from "../src/session";

export function user(role: Me["role"], extra: Partial<Me> = {}): Me {
  return {
    id: 1,
    username: role,
    email: `${role}@example.ma`,
    full_name: `Utilisateur ${role}`,
    role,
    is_active: true,
    technicien_id: null,
    client_id: null,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    version: 1,
    ...extra,
  };
}

export function renderWith(ui: ReactElement, me: Me = user("admin")) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <FixedSession me={me}>
          <MemoryRouter>{ui}</MemoryRouter>
        </FixedSession>
      </QueryClientProvider>
    </MantineProvider>,
  );
}
