#!/bin/sh
# Gives every app on the shared PostgreSQL its user and databases, as the stack file declares
# them: run by the pg-provision service at each start of its task (a new app or a new password
# changes its env or secrets, so swarm starts a new task) and again every hour, against a new
# instance and a running one alike. It creates the users and databases that are missing, resets
# a password that no longer logs in and hands a database back to its declared owner; it never
# drops anything (an app taken out of the list keeps its user and data). Ported from the running
# lab's init-databases.sh, which ran once, on an empty data directory: an app added later never
# got its database.
#
# env:  PGHOST, PGPORT, PGUSER          the server and its superuser
#       POSTGRES_PASSWORD_FILE          the superuser's password
#       APP_DATABASES                   "<app>:<database>,<database> ..."; the app's user name and
#                                       password are /run/secrets/<app>_user and <app>_password
#       SUPERUSER_DATABASES             "<database> ...", owned by the superuser
set -eu
set -f # the lists are split on spaces and commas, never globbed

ready=/tmp/provisioned # the service's health check: everything declared exists
rm -f "$ready"
trap 'exit 0' TERM INT

PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"
export PGPASSWORD

# psql's :"var" / :'var' interpolation quotes identifiers and literals, so odd characters in a
# name or a generated password cannot break the SQL.
psql_admin() {
    psql -X -q -v ON_ERROR_STOP=1 --dbname postgres "$@"
}

# Names go into file names and the lists above: letters, digits, '_' and '-' only.
plain_name() {
    case "$2" in
        '' | *[!A-Za-z0-9_-]*)
            echo "pg-provision: $1 \"$2\": expected letters, digits, '_' or '-'" >&2
            exit 1
            ;;
    esac
}

# user password: a user that logs in with its password is left alone (no new verifier each hour).
ensure_user() {
    if [ "$1" = "$PGUSER" ]; then
        echo "pg-provision: user $1 is the superuser; list its databases in SUPERUSER_DATABASES" >&2
        exit 1
    fi
    if PGPASSWORD="$2" psql -X -q -w --username "$1" --dbname postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
        echo "user $1: logs in"
        return
    fi
    echo "user $1: created, or its password set"
    psql_admin --set=app_user="$1" --set=app_pass="$2" <<'SQL'
SELECT format('CREATE ROLE %I', :'app_user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user')
\gexec
ALTER ROLE :"app_user" WITH LOGIN PASSWORD :'app_pass';
SQL
}

# database owner
ensure_database() {
    plain_name database "$1"
    echo "database $1: owner $2"
    psql_admin --set=db_name="$1" --set=db_owner="$2" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db_name', :'db_owner') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db_name')
\gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', datname, :'db_owner') FROM pg_database WHERE datname = :'db_name' AND datdba <> (SELECT oid FROM pg_roles WHERE rolname = :'db_owner')
\gexec
SQL
}

provision() {
    for entry in $APP_DATABASES; do
        app="${entry%%:*}"
        plain_name app "$app"
        user="$(cat "/run/secrets/${app}_user")"
        ensure_user "$user" "$(cat "/run/secrets/${app}_password")"
        for db_name in $(echo "${entry#*:}" | tr ',' ' '); do
            ensure_database "$db_name" "$user"
        done
    done
    for db_name in ${SUPERUSER_DATABASES:-}; do
        ensure_database "$db_name" "$PGUSER"
    done
}

while true; do
    # A new instance initialises first; a restarting one is back in seconds.
    until pg_isready -q; do
        echo "waiting for ${PGHOST:-the server}"
        sleep 2
    done
    provision
    touch "$ready"
    echo "all application users and databases provisioned"
    # In the background, so a stop (TERM) ends the wait at once.
    sleep 3600 &
    wait $!
done
