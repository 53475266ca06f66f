#!/usr/bin/env bash
# Validates docker-compose.yml with docker-compose (or docker compose) when one is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v docker-compose >/dev/null; then
	docker-compose -f docker-compose.yml config -q
elif docker compose version >/dev/null 2>&1; then
	docker compose -f docker-compose.yml config -q
else
	echo "docker-compose not installed: skipped"
	exit 77
fi
echo "docker-compose.yml is valid"
