#!/usr/bin/env bash
# Services the gRPC service tests need: a PostgreSQL server (from Debian's packages) for the
# audit-store tests, and the Node client's packages. Idempotent; never fails the CI run: what
# cannot be set up is reported here and the tests that need it are SKIPPED with the reason.
#
# Source it to get the URL in the environment:   . .ci/service-setup.sh
# or run it and read the line FSF_TEST_POSTGRES_URL=...:   bash .ci/service-setup.sh

_fsf_setup_main() {
  # Sourced from a `set -euo pipefail` script: a failing probe here must not end the CI run.
  local saved_flags="$-" saved_pipefail=0
  [[ -o pipefail ]] && saved_pipefail=1
  set +e +u +o pipefail
  local root pg_db pg_user pg_pass pg_port version cluster
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  pg_db="fsf_test"
  pg_user="fsf_test"
  pg_pass="fsf_test"
  pg_port="${FSF_TEST_POSTGRES_PORT:-5432}"

  echo "service-setup: PostgreSQL"
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) \
        >/tmp/fsf-apt-postgresql.log 2>&1 \
        || echo "service-setup: apt-get install postgresql failed (see /tmp/fsf-apt-postgresql.log)"
    else
      echo "service-setup: not root or no apt-get; cannot install PostgreSQL"
    fi
  fi
  if command -v pg_lsclusters >/dev/null 2>&1; then
    cluster="$(pg_lsclusters --no-header 2>/dev/null | head -n1)"
    if [ -z "$cluster" ]; then
      version="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1)"
      [ -n "$version" ] && pg_createcluster "$version" main >/dev/null 2>&1
      cluster="$(pg_lsclusters --no-header 2>/dev/null | head -n1)"
    fi
    if [ -n "$cluster" ]; then
      set -- $cluster
      version="$1"; pg_port="$3"
      if [ "$4" != "online" ]; then
        pg_ctlcluster "$version" main start >/dev/null 2>&1 \
          || echo "service-setup: pg_ctlcluster $version main start failed"
      fi
      if su postgres -c "psql -p $pg_port -tAc 'select 1'" >/dev/null 2>&1; then
        su postgres -c "psql -p $pg_port -v ON_ERROR_STOP=1 -q" >/dev/null 2>&1 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$pg_user') THEN
    CREATE ROLE $pg_user LOGIN PASSWORD '$pg_pass';
  END IF;
END \$\$;
SQL
        if ! su postgres -c "psql -p $pg_port -tAc \"select 1 from pg_database where datname='$pg_db'\"" | grep -q 1; then
          su postgres -c "createdb -p $pg_port -O $pg_user $pg_db" >/dev/null 2>&1 \
            || echo "service-setup: createdb $pg_db failed"
        fi
        export FSF_TEST_POSTGRES_URL="postgresql+psycopg://$pg_user:$pg_pass@127.0.0.1:$pg_port/$pg_db"
        echo "FSF_TEST_POSTGRES_URL=$FSF_TEST_POSTGRES_URL"
      else
        echo "service-setup: PostgreSQL did not start; the PostgreSQL tests will be skipped"
      fi
    fi
  else
    echo "service-setup: PostgreSQL is not installed; the PostgreSQL tests will be skipped"
  fi

  echo "service-setup: Node client packages"
  if command -v npm >/dev/null 2>&1; then
    if [ -f "$root/clients/node/package-lock.json" ]; then
      (cd "$root/clients/node" && npm ci --no-audit --no-fund --loglevel=error) \
        || (cd "$root/clients/node" && npm install --no-audit --no-fund --loglevel=error) \
        || echo "service-setup: npm could not install clients/node; the Node test will be skipped"
    else
      (cd "$root/clients/node" && npm install --no-audit --no-fund --loglevel=error) \
        || echo "service-setup: npm could not install clients/node; the Node test will be skipped"
    fi
  else
    echo "service-setup: npm is not installed; the Node client test will be skipped"
  fi
  [[ "$saved_flags" == *e* ]] && set -e
  [[ "$saved_flags" == *u* ]] && set -u
  [[ "$saved_pipefail" == 1 ]] && set -o pipefail
  return 0
}

_fsf_setup_main "$@"
unset -f _fsf_setup_main
# Sourced or executed, this script succeeds: missing services mean skipped tests, not a red run.
true
