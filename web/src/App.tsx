import { AppShell, Burger, Button, Center, Group, Loader, NavLink, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, Route, Routes, useLocation } from "react-router-dom";
import { logout } from "./api/auth";
import { Bell } from "./components/Bell";
import { STAFF } from "./domain";
import { Billing } from "./pages/Billing";
import { Board } from "./pages/Board";
import { ClientPortal } from "./pages/ClientPortal";
import { InterventionPage } from "./pages/InterventionPage";
import { Clients, Equipements, Techniciens } from "./pages/Lists";
import { Login } from "./pages/Login";
import { Reports } from "./pages/Reports";
import { Stock } from "./pages/Stock";
import { TechDay } from "./pages/TechDay";
import { useSession } from "./session";

const PlanningCalendar = lazy(() => import("./pages/PlanningCalendar"));
const Kpis = lazy(() => import("./pages/Kpis"));

const STAFF_NAV = [
  ["/tableau", "nav.board"],
  ["/planning", "nav.planning"],
  ["/equipements", "nav.equipment"],
  ["/techniciens", "nav.technicians"],
  ["/clients", "nav.clients"],
  ["/stock", "nav.stock"],
  ["/factures", "nav.billing"],
  ["/rapports", "nav.reports"],
  ["/indicateurs", "nav.kpis"],
] as const;

export function App() {
  const { t } = useTranslation();
  const { me, ready } = useSession();
  const [opened, { toggle }] = useDisclosure();
  const location = useLocation();
  const client = useQueryClient();
  if (!ready) {
    return (
      <Center h="100vh">
        <Loader role="status" aria-label={t("loading")} />
      </Center>
    );
  }
  if (!me) return <Login />;
  const staff = STAFF.includes(me.role);
  const home = staff ? "/tableau" : me.role === "technicien" ? "/ma-journee" : "/portail";
  const nav = staff
    ? STAFF_NAV
    : me.role === "technicien"
      ? ([["/ma-journee", "nav.myday"]] as const)
      : ([["/portail", "nav.portal"]] as const);
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 230, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Text fw={700} component={Link} to={home} c="inherit" td="none">
              MIF Maroc
            </Text>
          </Group>
          <Group wrap="nowrap" gap="xs">
            <Bell />
            <Text size="sm" visibleFrom="sm">
              {me.full_name}
            </Text>
            <Button
              variant="subtle"
              size="xs"
              onClick={() => void logout().then(() => client.clear())}
            >
              {t("logout")}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Navigation principale">
        {nav.map(([to, label]) => (
          <NavLink
            key={to}
            component={Link}
            to={to}
            label={t(label)}
            active={location.pathname.startsWith(to)}
            // filled: white on blue.8 (5:1); the light variant's blue on pale blue is under 4.5:1
            variant="filled"
            onClick={() => opened && toggle()}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <main>
          <Suspense fallback={<Loader role="status" aria-label={t("loading")} />}>
            <Routes>
              <Route path="/" element={<Navigate to={home} replace />} />
              <Route path="/interventions/:id" element={<InterventionPage />} />
              {staff ? (
                <>
                  <Route path="/tableau" element={<Board />} />
                  <Route path="/planning" element={<PlanningCalendar />} />
                  <Route path="/equipements" element={<Equipements />} />
                  <Route path="/techniciens" element={<Techniciens />} />
                  <Route path="/clients" element={<Clients />} />
                  <Route path="/stock" element={<Stock />} />
                  <Route path="/factures" element={<Billing />} />
                  <Route path="/rapports" element={<Reports />} />
                  <Route path="/indicateurs" element={<Kpis />} />
                </>
              ) : null}
              <Route path="/ma-journee" element={<TechDay />} />
              <Route path="/portail" element={<ClientPortal />} />
              <Route path="*" element={<Navigate to={home} replace />} />
            </Routes>
          </Suspense>
        </main>
      </AppShell.Main>
    </AppShell>
  );
}
