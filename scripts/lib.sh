# Shared by scripts/run, scripts/test and bench/run: set-up steps, each cheap when already done.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian packages Cabinet needs to build, run and test.
CABINET_PACKAGES=(
	build-essential cmake pkg-config clang-format
	libulfius-dev libmicrohttpd-dev libjansson-dev libpq-dev libargon2-dev libjwt-dev libcmocka-dev libsodium-dev
	libcurl4-gnutls-dev libgnutls28-dev libpwquality-dev libcrypt-dev liboath-dev cracklib-runtime python3-aiosmtpd
	postgresql postgresql-contrib
	chromium fonts-dejavu-core
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs what is missing: with apt-get when root, otherwise prints the exact command and stops.
ensure_packages() {
	local missing=() p
	for p in "${CABINET_PACKAGES[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	command -v node >/dev/null || missing+=(nodejs)
	command -v npm >/dev/null || missing+=(npm)
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		die "missing Debian packages; install them with:
  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
	fi
	say "installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# npm packages from the lockfile, then the front-end ones copied into the git-ignored web/vendor/.
ensure_node_modules() {
	local stamp="$ROOT/node_modules/.package-lock.json"
	if [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ]; then
		say "installing npm packages from package-lock.json"
		(cd "$ROOT" && SCARF_ANALYTICS=false npm ci --no-audit --no-fund --loglevel=error >&2)
	fi
	local v="$ROOT/web/vendor" nm="$ROOT/node_modules"
	rm -rf "$v.tmp" && mkdir -p "$v.tmp/lit-html" "$v.tmp/pico" "$v.tmp/lean-qr" "$v.tmp/swagger-ui"
	cp -R "$nm/lit-html/." "$v.tmp/lit-html/"
	cp "$nm/@picocss/pico/css/pico.min.css" "$v.tmp/pico/"
	cp -R "$nm/lean-qr/." "$v.tmp/lean-qr/"
	cp "$nm/swagger-ui-dist/swagger-ui-bundle.js" "$nm/swagger-ui-dist/swagger-ui.css" "$v.tmp/swagger-ui/"
	rm -rf "$v" && mv "$v.tmp" "$v"
}

# build_tree DIR [cmake options...]: configures once, then builds incrementally.
build_tree() {
	local dir="$1"; shift
	if [ ! -f "$dir/CMakeCache.txt" ]; then
		cmake -S "$ROOT" -B "$dir" "$@" >/dev/null
	fi
	cmake --build "$dir" -j "$(nproc)" >&2 || die "build failed in $dir"
}

pg_bindir() {
	local d
	d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
	[ -n "$d" ] || die "PostgreSQL server binaries not found (package postgresql)"
	echo "$d"
}

# Runs a PostgreSQL program as the cluster owner: postgres when we are root (initdb refuses root).
as_pg_owner() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_cluster_start DIR PORT: initialises DIR once, starts it listening on a Unix socket in DIR only.
# Prints nothing; the URL is pg_cluster_url DIR PORT.
pg_cluster_start() {
	local dir="$1" port="$2" bin
	bin="$(pg_bindir)"
	mkdir -p "$dir"
	if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
	chmod 700 "$dir"
	if [ ! -f "$dir/PG_VERSION" ]; then
		as_pg_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null \
			|| die "initdb failed in $dir"
	fi
	as_pg_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir' -p $port -c fsync=${PG_FSYNC:-on}" \
		start >/dev/null || { tail -20 "$dir/server.log" >&2; die "PostgreSQL did not start"; }
}

pg_cluster_stop() {
	local dir="$1"
	[ -f "$dir/postmaster.pid" ] || return 0
	as_pg_owner "$(pg_bindir)/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
}

pg_cluster_url() { echo "postgresql:///${3:-postgres}?host=$1&port=$2&user=postgres"; }
