#!/usr/bin/env bash
# Start strata's shared cache (nginx) in the foreground: Nx's remote cache and a package mirror.
#
#   STRATA_CACHE_TOKEN   required: the bearer token clients send (NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN)
#   STRATA_CACHE_DIR     where artifacts and mirrored packages live (default ~/.cache/strata/shared-cache)
#   STRATA_CACHE_LISTEN  address:port (default 127.0.0.1:8090); put TLS in front of it (see README)
#   STRATA_CACHE_STATE   nginx's own files: configuration, logs, pid, temp (default $STRATA_CACHE_DIR.state)
#
# Clients: NX_SELF_HOSTED_REMOTE_CACHE_SERVER=http://<listen> NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN=<token>,
# and STRATA_PACKAGE_MIRRORS=http://<listen>/mirror for packages.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${STRATA_CACHE_TOKEN:?set STRATA_CACHE_TOKEN to the bearer token clients will send}"
case "$STRATA_CACHE_TOKEN" in
  *[!A-Za-z0-9._~+/=-]*) echo "STRATA_CACHE_TOKEN may hold only letters, digits and ._~+/=-" >&2; exit 2 ;;
esac
data="${STRATA_CACHE_DIR:-$HOME/.cache/strata/shared-cache}"
listen="${STRATA_CACHE_LISTEN:-127.0.0.1:8090}"
state="${STRATA_CACHE_STATE:-$data.state}"
nginx="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$nginx" ] || { echo "nginx is not installed: run bash tools/host/setup.sh (it installs nginx-light)" >&2; exit 1; }
mkdir -p "$data/v1/cache" "$data/mirror/sha256" "$state/temp"
chmod 0700 "$state"
# The token is in the configuration: only the owner may read it.
umask 077
sed -e "s|@STATE@|$state|g" -e "s|@DATA@|$data|g" -e "s|@LISTEN@|$listen|g" -e "s|@TOKEN@|$STRATA_CACHE_TOKEN|g" \
  "$here/nginx.conf.template" > "$state/nginx.conf"
# As root, nginx's workers would switch to nobody, who cannot write the cache folder.
user=()
[ "$(id -u)" -ne 0 ] || user=(-g "user root; daemon off;")
[ "${#user[@]}" -gt 0 ] || user=(-g "daemon off;")
exec "$nginx" -c "$state/nginx.conf" -p "$state" "${user[@]}"
