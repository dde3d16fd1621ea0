#!/bin/sh
# Ported from the running lab's pg-backup command (stacks/platform/postgres/compose.yaml).
# Check: interval (24 h) and retention (7 days) are still wanted. Connection settings come from
# PGHOST / PGUSER and the password from the .pgpass secret named by PGPASSFILE.
set -eu
set -o pipefail

while true; do
    echo "[pg-backup] Starting backup at $(date -Iseconds)"
    out="/backups/all-databases-$(date +%Y%m%d-%H%M%S).sql.gz"
    if pg_dumpall --no-password | gzip > "${out}.partial"; then
        mv "${out}.partial" "$out"
        echo "[pg-backup] Backup complete: $out"
    else
        rm -f "${out}.partial"
        echo "[pg-backup] Backup FAILED" >&2
    fi
    find /backups -name '*.sql.gz' -mtime +7 -delete
    echo "[pg-backup] Cleaned backups older than 7 days"
    sleep 86400
done
