import { Alert } from "@mantine/core";
import { problemText } from "../domain";

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <Alert color="red" role="alert" title="Erreur">
      {problemText(error)}
    </Alert>
  );
}
