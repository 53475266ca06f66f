#!/usr/bin/env bash
# Validates docker-compose.yml with docker-compose (or docker compose) when one is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
# the file refuses to start without secrets; give it throwaway ones to validate the structure
export CABINET_DB_PASSWORD=validate-only CABINET_JWT_SECRET=validate-only-0123456789-0123456789
if command -v docker-compose >/dev/null; then
	docker-compose -f docker-compose.yml config -q
elif docker compose version >/dev/null 2>&1; then
	docker compose -f docker-compose.yml config -q
else
	echo "docker-compose not installed: skipped"
	exit 77
fi
echo "docker-compose.yml is valid"
