import i18n from "i18next";
import { initReactI18next } from "react-i18next";

const fr = {
  app: "MIF Maroc — Maintenance",
  nav: {
    board: "Tableau de répartition",
    planning: "Planning",
    equipment: "Équipements",
    technicians: "Techniciens",
    clients: "Clients",
    stock: "Stock",
    billing: "Contrats et factures",
    reports: "Rapports",
    kpis: "Indicateurs",
    myday: "Ma journée",
    portal: "Mon espace client",
  },
  statut: {
    ouverte: "Ouverte",
    affectee: "Affectée",
    en_cours: "En cours",
    en_attente: "En attente",
    cloturee: "Clôturée",
    annulee: "Annulée",
    archivee: "Archivée",
  },
  priorite: {
    urgente: "Urgente",
    haute: "Haute",
    normale: "Normale",
    basse: "Basse",
    programmee: "Programmée",
  },
  action: {
    ouverte: "Remettre en file",
    en_cours: "Démarrer",
    en_attente: "Mettre en pause",
    cloturee: "Clôturer",
    annulee: "Annuler",
    reprendre: "Reprendre",
  },
  login: {
    title: "Connexion",
    username: "Identifiant",
    password: "Mot de passe",
    submit: "Se connecter",
  },
  logout: "Se déconnecter",
  notifications: "Notifications",
  unread: "{{count}} non lue(s)",
  loading: "Chargement…",
  more: "Charger plus",
  all: "Toutes",
  unavailable: "Ce module n'est pas encore disponible sur le serveur.",
  error: {
    400: "Requête invalide.",
    401: "Session expirée : reconnectez-vous.",
    403: "Votre rôle ne permet pas cette action.",
    404: "Introuvable, ou vous n'y avez pas accès.",
    409: "Action refusée : conflit avec l'état actuel.",
    412: "Quelqu'un a modifié cette fiche entre-temps : rechargez-la.",
    413: "Fichier ou contenu trop volumineux.",
    422: "Données invalides.",
    429: "Trop de tentatives : patientez un instant.",
    501: "Ce module n'est pas encore disponible.",
    network: "Serveur injoignable : vérifiez votre connexion.",
    other: "Une erreur est survenue.",
  },
};

const en: typeof fr = {
  ...fr,
  app: "MIF Maroc — Maintenance",
  nav: {
    board: "Dispatch board",
    planning: "Planning",
    equipment: "Equipment",
    technicians: "Technicians",
    clients: "Clients",
    stock: "Stock",
    billing: "Contracts and invoices",
    reports: "Reports",
    kpis: "KPIs",
    myday: "My day",
    portal: "Client portal",
  },
  login: { title: "Sign in", username: "Username", password: "Password", submit: "Sign in" },
  logout: "Sign out",
};

void i18n.use(initReactI18next).init({
  resources: { fr: { translation: fr }, en: { translation: en } },
  lng: "fr",
  fallbackLng: "fr",
  interpolation: { escapeValue: false },
});

export default i18n;
