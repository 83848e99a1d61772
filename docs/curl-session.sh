#!/usr/bin/env bash
# The README's curl session, runnable as written on any system, as often as you like
# (issue 7, item 16): every id is captured from the answer that created it (jq), never
# assumed, and names are made unique per run, so it never touches someone else's data.
#
#   ADMIN_PASSWORD='<printed password>' bash docs/curl-session.sh
#
# API (default http://127.0.0.1:8000/api/v1) and ADMIN_USERNAME (default admin) may be set.
# Needs curl and jq. Stops at the first answer that is not a success (curl --fail-with-body).
set -euo pipefail

API=${API:-http://127.0.0.1:8000/api/v1}
ADMIN_USERNAME=${ADMIN_USERNAME:-admin}
: "${ADMIN_PASSWORD:?set ADMIN_PASSWORD to the admin password make run printed}"
RUN=$(date +%s)-$RANDOM # makes usernames and serial numbers unique to this run
JSON='content-type: application/json'

call() { curl -sS --fail-with-body "$@"; }
# Services learn new clients and technicians from auth's events within a moment:
# a create that names one is retried for up to 30 s.
retry() {
  local answer
  for _ in $(seq 60); do
    if answer=$(call "$@" 2>/dev/null); then
      printf '%s' "$answer"
      return 0
    fi
    sleep 0.5
  done
  call "$@"
}

# log in as the admin make run printed
TOKEN=$(call $API/auth/login -H "$JSON" \
  -d "{\"username\":\"$ADMIN_USERNAME\",\"password\":\"$ADMIN_PASSWORD\"}" | jq -r .access_token)
H="Authorization: Bearer $TOKEN"

# a technician and a client, each with its user, in one call
# passwords: not easy to guess, and none of the user's names in them (else 422)
secret() { printf 'Mif-%s' "$(head -c 9 /dev/urandom | base64 | tr '/+' '_-')"; }
TECH_PASSWORD=$(secret)
TECH_ID=$(call $API/techniciens -H "$H" -H "$JSON" -d "{
  \"user\": {\"username\":\"karim-$RUN\",\"email\":\"karim-$RUN@mif.ma\",
             \"full_name\":\"Karim B.\",\"password\":\"$TECH_PASSWORD\"},
  \"specialite\":\"électromécanique\",\"equipe\":\"A\",\"zone_geographique\":\"Casablanca\"}" |
  jq -r .id)
CLIENT_ID=$(call $API/clients -H "$H" -H "$JSON" -d "{
  \"user\": {\"username\":\"ciments-$RUN\",\"email\":\"it-$RUN@ciments.ma\",
             \"full_name\":\"Ciments du Souss\",\"password\":\"$(secret)\"},
  \"nom_entreprise\":\"Ciments du Souss\",\"type_client\":\"premium\",\"niveau_service\":\"gold\",
  \"ice\":\"001525874000089\"}" | jq -r .id)
echo "technicien $TECH_ID, client $CLIENT_ID"

# equipment of that client, an intervention on it, assigned to the technician
EQUIPEMENT_ID=$(retry $API/equipements -H "$H" -H "$JSON" -d "{\"client_id\":$CLIENT_ID,
  \"nom\":\"Compresseur 3\",\"numero_serie\":\"CMP-$RUN\",\"criticite\":\"haute\"}" | jq -r .id)
INTERVENTION_ID=$(call $API/interventions -H "$H" -H "$JSON" -H "Idempotency-Key: iv-$RUN" \
  -d "{\"equipement_id\":$EQUIPEMENT_ID,\"titre\":\"Fuite d'air\",\"priorite\":\"haute\"}" |
  jq -r .id)
retry $API/interventions/$INTERVENTION_ID/affectation -H "$H" -H "$JSON" \
  -d "{\"technicien_id\":$TECH_ID}" | jq -r .statut
call "$API/interventions?statut=affectee&technicien_id=$TECH_ID&limit=50" -H "$H" |
  jq -r '.items | length'

# the technician logs in from a phone, starts and closes the work
T=$(call $API/auth/login -H "$JSON" \
  -d "{\"username\":\"karim-$RUN\",\"password\":\"$TECH_PASSWORD\"}" | jq -r .access_token)
TH="Authorization: Bearer $T"
call $API/interventions/$INTERVENTION_ID/transitions -H "$TH" -H "$JSON" \
  -d '{"statut":"en_cours"}' | jq -r .statut
PHOTO=$(mktemp --suffix=.png)
trap 'rm -f "$PHOTO"' EXIT
# a 1x1 PNG (the service checks the content, not the name)
echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==' |
  base64 -d >"$PHOTO"
call $API/interventions/$INTERVENTION_ID/documents -H "$TH" \
  -F type_document=photo -F "fichier=@$PHOTO" | jq -r .sha256
call $API/interventions/$INTERVENTION_ID/transitions -H "$TH" -H "$JSON" \
  -d '{"statut":"cloturee","solution":"Joint remplacé"}' | jq -r .statut
# audit trail and its chain check
call "$API/interventions/$INTERVENTION_ID/historique?verifier=true" -H "$H" |
  jq -r '.items | length'

# refresh tokens rotate; reusing an old one revokes the whole family
REFRESH=$(call $API/auth/login -H "$JSON" \
  -d "{\"username\":\"karim-$RUN\",\"password\":\"$TECH_PASSWORD\"}" | jq -r .refresh_token)
call $API/auth/refresh -H "$JSON" -d "{\"refresh_token\":\"$REFRESH\"}" | jq -r .token_type
echo "session done: intervention $INTERVENTION_ID closed"
