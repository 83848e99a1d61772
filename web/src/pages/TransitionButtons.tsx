import { Button, Group, Textarea } from "@mantine/core";
import { useState } from "react";
import type { Intervention, Statut } from "../api/client";
import { allowedTransitions, transitionLabel } from "../domain";
import { useMe } from "../session";

/** One button per move the API allows this user; closing asks for the solution first. */
export function TransitionButtons({
  intervention,
  onTransition,
  busy = false,
}: {
  intervention: Intervention;
  onTransition: (to: Statut, extra: { solution?: string }) => void;
  busy?: boolean;
}) {
  const me = useMe();
  const [closing, setClosing] = useState(false);
  const [solution, setSolution] = useState("");
  const moves = allowedTransitions(me, intervention);
  if (moves.length === 0) return null;
  return (
    <div>
      <Group role="group" aria-label="Actions">
        {moves.map((to) => (
          <Button
            key={to}
            color={to === "annulee" ? "#b3261e" : to === "cloturee" ? "#1e7a34" : undefined}
            variant={to === "annulee" || to === "ouverte" ? "outline" : "filled"}
            loading={busy}
            onClick={() => (to === "cloturee" ? setClosing(true) : onTransition(to, {}))}
          >
            {transitionLabel(intervention.statut, to)}
          </Button>
        ))}
      </Group>
      {closing ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            onTransition("cloturee", { solution });
            setClosing(false);
          }}
        >
          <Textarea
            mt="sm"
            label="Solution apportée"
            required
            autosize
            minRows={2}
            value={solution}
            onChange={(e) => setSolution(e.currentTarget.value)}
          />
          <Button type="submit" mt="xs" color="#1e7a34" disabled={!solution.trim()}>
            Confirmer la clôture
          </Button>
        </form>
      ) : null}
    </div>
  );
}
