#!/bin/sh
# Ported from the running lab's stacks/platform/postgres/init-databases.sh (plus seerr, as the
# inventory records). Check: the user/database list still matches the apps that use the shared
# instance. Runs once, from /docker-entrypoint-initdb.d, when the data directory is empty; the
# app users' names and passwords are swarm secrets under /run/secrets, no longer environment.
set -eu

secret() {
    cat "/run/secrets/$1"
}

# psql's :"var" / :'var' interpolation quotes identifiers and literals, so odd characters in a
# generated password cannot break the SQL.
psql_admin() {
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres "$@"
}

create_user() {
    echo "Creating user: $1"
    psql_admin --set=app_user="$1" --set=app_pass="$2" <<'SQL'
CREATE USER :"app_user" WITH PASSWORD :'app_pass';
SQL
}

create_db() {
    echo "Creating database: $1 (owner: $2)"
    psql_admin --set=db_name="$1" --set=db_owner="$2" <<'SQL'
CREATE DATABASE :"db_name" OWNER :"db_owner";
GRANT ALL PRIVILEGES ON DATABASE :"db_name" TO :"db_owner";
SQL
}

# app: the secret-file prefix; then the app's databases
create_app() {
    prefix="$1"
    shift
    app_user="$(secret "${prefix}_POSTGRES_USER")"
    create_user "$app_user" "$(secret "${prefix}_POSTGRES_PASS")"
    for db_name in "$@"; do
        create_db "$db_name" "$app_user"
    done
}

create_app SONARR sonarr-main sonarr-log
create_app RADARR radarr-main radarr-log
create_app PROWLARR prowlarr-main prowlarr-log
create_app SEERR seerr

# Grafana uses the shared superuser (POSTGRES_USER).
create_db grafana "$POSTGRES_USER"

echo "All application users and databases created"
