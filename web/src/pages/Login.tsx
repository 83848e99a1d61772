import { Alert, Button, Container, Paper, PasswordInput, Stack, TextInput, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { AuthError, login } from "../api/auth";
import { ApiError } from "../api/client";
import { ErrorText } from "../components/ErrorText";

export function Login() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username, password);
      await client.invalidateQueries({ queryKey: ["me"] });
    } catch (e) {
      setError(e instanceof AuthError ? new ApiError(e.status, e.problem) : e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Container size={420} py="xl" component="main">
      <Title order={1} size="h2" mb="md">
        {t("app")}
      </Title>
      <Paper withBorder p="lg" radius="md">
        <form onSubmit={submit} aria-label={t("login.title")}>
          <Stack>
            <Title order={2} size="h3">
              {t("login.title")}
            </Title>
            <TextInput
              label={t("login.username")}
              name="username"
              autoComplete="username"
              required
              value={username}
              onChange={(e) => setUsername(e.currentTarget.value)}
            />
            <PasswordInput
              label={t("login.password")}
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            {error instanceof ApiError && error.status === 401 ? (
              <Alert color="red" role="alert" title="Connexion refusée">
                Identifiant ou mot de passe incorrect, ou compte désactivé.
              </Alert>
            ) : (
              <ErrorText error={error} />
            )}
            <Button type="submit" loading={busy}>
              {t("login.submit")}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Container>
  );
}
