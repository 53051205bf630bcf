#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL server on loopback (Debian's postgresql package): a new cluster in a
# temporary directory, trust authentication for user `peftlab`, no fsync (it is deleted afterwards; a committed
# transaction still survives a crash of the server process, which the fault test causes). The command sees
# PEFTLAB_TEST_POSTGRES=postgres://peftlab@127.0.0.1:PORT/peftlab_test (the tests' second backend) and
# PEFTLAB_TEST_PG_CTL, a command that takes `stop`/`start`/`restart` for this server (fault tests restart it).
# The server is stopped and its directory removed when the command ends, whatever its exit status.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "with-postgres: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 1; }
dir=$(mktemp -d /tmp/peftlab-pg.XXXXXX)
port=${PEFTLAB_PG_PORT:-$((20000 + RANDOM % 20000))}
as=()
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; as=(runuser -u postgres --); fi
options="-k $dir -c listen_addresses=127.0.0.1 -p $port -c fsync=off -c full_page_writes=off -c max_connections=300"
cat > "$dir/pg_ctl" <<CTL
#!/usr/bin/env bash
exec ${as[*]} "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -m immediate -o "$options" "\$@"
CTL
chmod 755 "$dir/pg_ctl"
stop() { "$dir/pg_ctl" stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap stop EXIT
"${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U peftlab >/dev/null
"$dir/pg_ctl" start >/dev/null
export PEFTLAB_TEST_POSTGRES="postgres://peftlab@127.0.0.1:$port/peftlab_test"
export PEFTLAB_TEST_PG_CTL="$dir/pg_ctl"
"$@"
