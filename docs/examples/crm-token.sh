#!/usr/bin/env bash
# A CRM connecting to Cabinet with an API token, end to end, with curl and jq:
#   1. the customer signs in to the portal and creates a token for its CRM (shown once);
#   2. the CRM calls the API with the token (who am I, the account's history);
#   3. the customer revokes the token; the CRM's next call is refused (401).
# Usage: CABINET_URL=http://127.0.0.1:8080 LOGIN=you@example.org PASSWORD='…' docs/examples/crm-token.sh
# Exits 0 when every step behaved as described. tests/api/crm_script.test.js runs it as it is.
set -euo pipefail

URL="${CABINET_URL:-http://127.0.0.1:8080}"
: "${LOGIN:?set LOGIN to the e-mail or phone of the customer}" "${PASSWORD:?set PASSWORD}"
API="$URL/api/v1"
JSON=(-H 'content-type: application/json')

fail() { echo "crm-token: $*" >&2; exit 1; }

# 1. The customer's portal session (a person at a keyboard), then the token for the CRM.
session=$(curl -sS "${JSON[@]}" "$API/auth/login" \
  -d "$(jq -n --arg l "$LOGIN" --arg p "$PASSWORD" '{login: $l, password: $p}')")
access=$(jq -r '.access_token // empty' <<<"$session")
[ -n "$access" ] || fail "sign-in refused: $(jq -r '.code // .' <<<"$session")"

created=$(curl -sS "${JSON[@]}" -H "authorization: Bearer $access" "$API/tokens" \
  -d '{"name": "CRM", "permissions": ["profile.read", "history.read"], "rate_limit": 120}')
token=$(jq -r '.secret // empty' <<<"$created")
token_id=$(jq -r '.id // empty' <<<"$created")
[ -n "$token" ] || fail "token not created: $(jq -c . <<<"$created")"
echo "created token $(jq -r .prefix <<<"$created")… ($token_id)"

# 2. The CRM: the secret goes in the Authorization header, never in a URL.
me=$(curl -sS -H "authorization: Bearer $token" "$API/me")
echo "the CRM acts for $(jq -r .email <<<"$me") with $(jq -c .permissions <<<"$me")"
[ "$(jq -r .api_token_id <<<"$me")" = "$token_id" ] || fail "the call did not go through the token"
entries=$(curl -sS -H "authorization: Bearer $token" "$API/me/history?limit=5" | jq '.items | length')
echo "it reads the account's history: $entries recent entries"

# 3. Revocation takes effect on the very next call.
status=$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE -H "authorization: Bearer $access" "$API/tokens/$token_id")
[ "$status" = 204 ] || fail "revocation answered $status"
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "authorization: Bearer $token" "$API/me")
[ "$status" = 401 ] || fail "a revoked token still answered $status"
echo "revoked: the CRM's next call is refused ($status)"
