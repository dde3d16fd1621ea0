# Ported from the running lab's inline download-reaper loop (application_media_core compose); check the retention ages and the paths.
# Once a day: delete failed SABnzbd downloads (/complete/_FAILED_*) older than 7 days and anything
# left in /incomplete for more than 14 days. One JSON object per log line.
set -u

log() {
  # Escape backslashes and double quotes so a path cannot break the JSON line.
  msg=$(printf '%s' "$2" | sed 's/\\/\\\\/g; s/"/\\"/g')
  printf '{"time":"%s","level":"%s","service":"download-reaper","msg":"%s"}\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$msg"
}

reap() { # reap <reason> <dir> <find predicates...>
  reason=$1
  dir=$2
  shift 2
  find "$dir" -mindepth 1 -maxdepth 1 "$@" | while IFS= read -r entry; do
    if rm -rf -- "$entry"; then
      log info "removed $reason: $entry"
    else
      log error "could not remove $reason: $entry"
    fi
  done
}

while true; do
  log info "sweep started"
  reap "failed download older than 7 days" /complete -type d -name '_FAILED_*' -mtime +7
  reap "incomplete download older than 14 days" /incomplete -mtime +14
  log info "sweep finished; next in 24h"
  sleep 86400
done
