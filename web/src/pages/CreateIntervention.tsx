import { Button, Checkbox, Modal, Select, Stack, Textarea, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { api, unwrap, type Priorite } from "../api/client";
import { ErrorText } from "../components/ErrorText";
import { PRIORITES } from "../domain";

/** "Nouvelle intervention": staff for any equipment, a client for one of its own. */
export function CreateIntervention({ label = "Nouvelle intervention", equipementId }: { label?: string; equipementId?: number }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [equipement, setEquipement] = useState<string | null>(equipementId ? String(equipementId) : null);
  const [titre, setTitre] = useState("");
  const [description, setDescription] = useState("");
  const [priorite, setPriorite] = useState<Priorite>("normale");
  const [urgence, setUrgence] = useState(false);
  const navigate = useNavigate();
  const client = useQueryClient();
  const equipements = useQuery({
    queryKey: ["equipements", "all"],
    queryFn: async () => unwrap(await api.GET("/api/v1/equipements", { params: { query: { limit: 200 } } })),
    enabled: open,
  });
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/interventions", {
          body: { equipement_id: Number(equipement), titre, description: description || null, priorite, urgence, type_intervention: "corrective" },
          headers: { "Idempotency-Key": crypto.randomUUID() },
        }),
      ),
    onSuccess: (created) => {
      setOpen(false);
      void client.invalidateQueries({ queryKey: ["interventions"] });
      navigate(`/interventions/${created.id}`);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  return (
    <>
      <Button onClick={() => setOpen(true)}>{label}</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={label} closeButtonProps={{ "aria-label": "Fermer" }}>
        <form onSubmit={submit}>
          <Stack>
            <Select
              label="Équipement"
              required
              searchable
              data={(equipements.data?.items ?? []).map((e) => ({
                value: String(e.id),
                label: `${e.nom} (${e.numero_serie})`,
              }))}
              value={equipement}
              onChange={setEquipement}
            />
            <TextInput label="Titre" required value={titre} onChange={(e) => setTitre(e.currentTarget.value)} />
            <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
            <Select
              label="Priorité"
              data={PRIORITES.map((p) => ({ value: p, label: t(`priorite.${p}`) }))}
              value={priorite}
              onChange={(v) => setPriorite((v as Priorite) ?? "normale")}
              allowDeselect={false}
            />
            <Checkbox label="Urgence (arrêt de production)" checked={urgence} onChange={(e) => setUrgence(e.currentTarget.checked)} />
            <ErrorText error={create.error} />
            <Button type="submit" loading={create.isPending} disabled={!equipement || !titre}>
              Créer
            </Button>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
