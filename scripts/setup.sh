#!/usr/bin/env bash
# Prepares a Debian 12 machine for leerstand, idempotently: installs PostgreSQL + PostGIS,
# GDAL and build tools where missing, starts a PostgreSQL cluster on 127.0.0.1:5432 where
# none runs, and creates the role, the database and the postgis extension.
#
# Settings (environment): LEERSTAND_DB (leerstand), LEERSTAND_DB_USER (leerstand),
# LEERSTAND_DB_PASSWORD (leerstand), PGSU_URL (a superuser connection, if the script should
# not use the local postgres account).
set -euo pipefail

DB_NAME=${LEERSTAND_DB:-leerstand}
DB_USER=${LEERSTAND_DB_USER:-leerstand}
DB_PASSWORD=${LEERSTAND_DB_PASSWORD:-leerstand}
PG_PORT=5432

say() { echo "setup: $*" >&2; }
die() { echo "setup: error: $*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

APT_UPDATED=0
# Installs the named Debian packages that are missing; as non-root, prints the command instead.
ensure_packages() {
  local missing=()
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! is_root; then
    die "missing packages: ${missing[*]}
  run as root:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}
  then run this command again."
  fi
  if [ "$APT_UPDATED" -eq 0 ]; then
    say "apt-get update"
    apt-get update -qq >&2
    APT_UPDATED=1
  fi
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

server_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }

# --- 1. Packages: build tools, GDAL, SQLite (the GeoPackage reader), PostgreSQL client ---
ensure_packages ca-certificates pkg-config gcc libc6-dev gdal-bin libgdal-dev libsqlite3-dev postgresql-client postgresql-common time curl
# The fonts the map's label glyphs are rendered from (`leerstand serve` checks them at start).
ensure_packages fonts-dejavu-core

if [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
command -v cargo >/dev/null 2>&1 || die "the Rust toolchain (cargo) is missing: install it with rustup (https://rustup.rs), then run this command again."

# --- 2. A PostgreSQL server on 127.0.0.1:5432 --------------------------------------------
if ! server_up; then
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    ensure_packages postgresql
  fi
  if ! is_root; then
    die "no PostgreSQL server answers on 127.0.0.1:$PG_PORT.
  run as root:  pg_ctlcluster --skip-systemctl-redirect <version> main start
  (or start your own server), then run this command again."
  fi
  cluster=$(pg_lsclusters --no-header 2>/dev/null | awk -v port="$PG_PORT" '$3 == port { print $1 " " $2; exit }')
  if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    say "creating PostgreSQL $version cluster 'main' on port $PG_PORT"
    pg_createcluster --port "$PG_PORT" "$version" main >&2
    cluster="$version main"
  fi
  say "starting PostgreSQL cluster $cluster"
  # shellcheck disable=SC2086
  pg_ctlcluster --skip-systemctl-redirect $cluster start >&2 || true
  for _ in $(seq 1 30); do server_up && break; sleep 1; done
  server_up || die "PostgreSQL cluster $cluster did not come up on 127.0.0.1:$PG_PORT; see /var/log/postgresql/"
fi

# --- 3. Superuser access for creating role, database and extension -----------------------
psql_su() { PGOPTIONS='-c client_min_messages=warning' "${PSQL_SU[@]}" -X -q -v ON_ERROR_STOP=1 "$@"; }
if [ -n "${PGSU_URL:-}" ]; then
  PSQL_SU=(psql "$PGSU_URL")
elif is_root && id postgres >/dev/null 2>&1 && runuser -u postgres -- psql -X -q -p "$PG_PORT" -d postgres -c 'select 1' >/dev/null 2>&1; then
  PSQL_SU=(runuser -u postgres -- psql -p "$PG_PORT")
elif psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c 'select 1' >/dev/null 2>&1; then
  PSQL_SU=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres)
else
  die "cannot connect to PostgreSQL as a superuser.
  run as root, or set PGSU_URL=postgres://postgres:PASSWORD@127.0.0.1:$PG_PORT/postgres"
fi

major=$(psql_su -d postgres -Atc "SELECT current_setting('server_version_num')::int / 10000")
if [ "$major" -lt 15 ]; then
  die "PostgreSQL $major runs on 127.0.0.1:$PG_PORT; leerstand needs 15 or newer."
fi

# --- 4. PostGIS for the running server ---------------------------------------------------
has_postgis=$(psql_su -d postgres -Atc "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")
if [ "$has_postgis" = "0" ]; then
  ensure_packages "postgresql-$major-postgis-3"
fi
# pg_trgm (address search, migration 0022) comes with the server's contrib modules.
has_trgm=$(psql_su -d postgres -Atc "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'")
if [ "$has_trgm" = "0" ]; then
  ensure_packages postgresql-contrib
fi

# --- 5. Role, database, extension --------------------------------------------------------
psql_su -d postgres -v user="$DB_USER" -v pw="$DB_PASSWORD" -v db="$DB_NAME" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'user', :'pw')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \gexec
SQL
# Test databases are created from template1; with postgis there, they need no superuser.
psql_su -d template1 -c 'CREATE EXTENSION IF NOT EXISTS postgis'
psql_su -d postgres -v user="$DB_USER" -v db="$DB_NAME" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
psql_su -d "$DB_NAME" -c 'CREATE EXTENSION IF NOT EXISTS postgis'

export DATABASE_URL="postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
psql "$DATABASE_URL" -X -q -Atc 'SELECT 1' >/dev/null \
  || die "cannot log in as $DB_USER to $DB_NAME on 127.0.0.1:$PG_PORT (check pg_hba.conf allows password logins from 127.0.0.1)"
say "database ready: postgres://$DB_USER:***@127.0.0.1:$PG_PORT/$DB_NAME (PostGIS $(psql "$DATABASE_URL" -X -Atc 'SELECT extversion FROM pg_extension WHERE extname = $$postgis$$'))"
. "$(dirname "${BASH_SOURCE[0]}")/setup-web.sh"
. "$(dirname "${BASH_SOURCE[0]}")/setup-notebooks.sh"
. "$(dirname "${BASH_SOURCE[0]}")/setup-api-fuzz.sh"
