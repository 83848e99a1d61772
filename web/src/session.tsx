import { useQuery } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { accessToken, onSessionChange, refresh } from "./api/auth";
import { api, unwrap, type Me } from "./api/client";

type SessionState = { me: Me | null; ready: boolean };
const SessionContext = createContext<SessionState>({ me: null, ready: false });

export function useMe(): Me {
  const { me } = useContext(SessionContext);
  if (!me) throw new Error("useMe outside a signed-in session");
  return me;
}

export function useSession(): SessionState {
  return useContext(SessionContext);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(accessToken());
  const [restored, setRestored] = useState(false);
  useEffect(() => onSessionChange(() => setToken(accessToken())), []);
  useEffect(() => {
    // a reload keeps nothing in storage: the refresh cookie brings the session back
    void refresh().finally(() => setRestored(true));
  }, []);
  const me = useQuery({
    queryKey: ["me", token !== null],
    queryFn: async () => unwrap(await api.GET("/api/v1/auth/me")),
    enabled: token !== null,
    staleTime: Infinity,
  });
  const value: SessionState = {
    me: token ? (me.data ?? null) : null,
    ready: restored && (token === null || !me.isPending),
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** Test helper: a fixed signed-in user. */
export function FixedSession({ me, children }: { me: Me; children: ReactNode }) {
  return <SessionContext.Provider value={{ me, ready: true }}>{children}</SessionContext.Provider>;
}
