#!/usr/bin/env bash
# The first start of the official postgres image, for the tests: the steps its
# docker-entrypoint.sh takes (written here from its documented behaviour, not copied), run with
# Debian's PostgreSQL against a data directory of the test's own.
#
# Run as root inside a private mount namespace (`unshare -m --propagation private`): /run becomes
# a tmpfs of this process alone, so the swarm-style /run/secrets and the socket directory
# /run/postgresql never touch the host's. Then, as the given user:
#   - a data directory with PG_VERSION is left alone ("Skipping initialization");
#   - otherwise initdb with POSTGRES_USER and the password (POSTGRES_PASSWORD or the file named by
#     POSTGRES_PASSWORD_FILE), `host all all all <password_encryption>` appended to pg_hba.conf,
#     a temporary server on the Unix socket only, POSTGRES_DB (default POSTGRES_USER) created,
#     each file of the init directory in name order: *.sh executed when executable (by its
#     #! line, where /bin/sh is the image's: IMAGE_SH) and sourced otherwise, *.sql through psql,
#     anything else ignored; then the temporary server is stopped.
#
# usage: pg-entrypoint.sh <postgres bin dir> <data dir> <secrets dir> <init dir> <user>
# env:   POSTGRES_USER, POSTGRES_PASSWORD[_FILE], POSTGRES_DB, IMAGE_SH (e.g. "busybox sh")
set -Eeuo pipefail

bindir=$1 pgdata=$2 secrets=$3 initdir=$4 runas=$5

if [ "${PG_ENTRYPOINT_STAGE:-root}" = root ]; then
  mount -t tmpfs -o mode=0755 tmpfs /run
  mkdir -p /run/secrets /run/postgresql
  # As swarm mounts them: the files with the owner and mode the service declares.
  cp -a "$secrets"/. /run/secrets/
  chown "$runas" /run/postgresql
  chmod 3775 /run/postgresql
  uid=$(id -u "$runas")
  gid=$(id -g "$runas")
  PG_ENTRYPOINT_STAGE=user exec setpriv --reuid "$uid" --regid "$gid" --clear-groups env HOME=/tmp "PATH=$bindir:$PATH" PG_ENTRYPOINT_STAGE=user bash "$0" "$@"
fi

export PGDATA=$pgdata
if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
  POSTGRES_PASSWORD=$(<"$POSTGRES_PASSWORD_FILE")
  unset POSTGRES_PASSWORD_FILE
fi
export POSTGRES_USER=${POSTGRES_USER:-postgres}
export POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-}
export POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}

if [ -s "$PGDATA/PG_VERSION" ]; then
  echo "PostgreSQL Database directory appears to contain a database; Skipping initialization"
  exit 0
fi

initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") >/dev/null
auth=$(postgres -C password_encryption -D "$PGDATA")
printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

export PGPASSWORD=$POSTGRES_PASSWORD
PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start >/dev/null

sql() { psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"; }
exists=$(sql --dbname postgres --tuples-only --set db="$POSTGRES_DB" <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")
if [ -z "${exists// /}" ]; then
  sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >/dev/null
fi

for f in "$initdir"/*; do
  case "$f" in
    *.sh)
      if [ -x "$f" ]; then
        echo "running $f"
        if [ "$(head -n 1 "$f")" = "#!/bin/sh" ]; then ${IMAGE_SH:-/bin/sh} "$f"; else "$f"; fi
      else
        echo "sourcing $f"
        # shellcheck disable=SC1090
        . "$f"
      fi
      ;;
    *.sql) echo "running $f"; sql --dbname "$POSTGRES_DB" -f "$f" ;;
    *) echo "ignoring $f" ;;
  esac
done

pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
unset PGPASSWORD
echo "PostgreSQL init process complete; ready for start up."
