#!/usr/bin/env bash
# Rows per second out of PostgreSQL: `sluice run` (format: postgres, CSV out)
# against psql's `\copy (query) TO file CSV HEADER`, same server, same table,
# same machine, both over TCP with scram-sha-256 password authentication.
# Starts a throwaway server in a temporary directory (as the `postgres` user
# when run as root), loads ROWS rows with generate_series, runs each reader
# RUNS times, checks that both wrote the same rows, prints the figures.
#
#   bash scripts/postgres_bench.sh [ROWS=1000000] [RUNS=3] [WORKERS=2]
#   SLUICE=build/tools/sluice PG_BIN=/usr/lib/postgresql/15/bin  (defaults found)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
runs=${2:-3}
workers=${3:-2}
sluice=$(realpath "${SLUICE:-build/tools/sluice}")
pg_bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}

work=$(mktemp -d /tmp/sluice-pg-bench-XXXXXX)
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  as_pg=(runuser -u postgres --)
  chown postgres: "$work"
  chmod 0755 "$work"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"${as_pg[@]}" "$pg_bin/initdb" -D "$work/data" -U postgres --auth-local=trust \
  --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$work -c shared_buffers=256MB" \
  start >/dev/null
su_psql=("${as_pg[@]}" "$pg_bin/psql" -X -q -h "$work" -p "$port" -U postgres -v ON_ERROR_STOP=1)
"${su_psql[@]}" -d postgres -c "CREATE ROLE bench LOGIN PASSWORD 'bench-pw'"
"${su_psql[@]}" -d postgres -c "CREATE DATABASE bench OWNER bench"
echo "loading $rows rows..." >&2
"${su_psql[@]}" -d bench -c "
  CREATE TABLE t (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2), flag boolean,
                  created timestamp, state text, code int, note text);
  INSERT INTO t SELECT g, 'name ' || g, (g % 100000) / 7.0, g % 2 = 0,
    timestamp '2020-01-01' + g * interval '1 second', (ARRAY['NY','NJ','CT','PA'])[1 + g % 4],
    g % 997, CASE WHEN g % 10 = 0 THEN NULL ELSE 'note, with a comma ' || g END
  FROM generate_series(1, $rows) g;
  ALTER TABLE t OWNER TO bench;"
"${su_psql[@]}" -d bench -c "VACUUM ANALYZE t"

echo bench-pw >"$work/pw.txt"
dsn="host=127.0.0.1 port=$port dbname=bench user=bench"
cat >"$work/job.yaml" <<EOF
name: postgres-bench
input:
  format: postgres
  dsn: "$dsn"
  query: SELECT * FROM t
  key: id
  split_rows: 125000
  password_file: $work/pw.txt
output:
  path: $work/out/
EOF

now() { date +%s.%N; }
best_psql=0 best_sluice=0
for run in $(seq "$runs"); do
  rm -f "$work/copy.csv"
  start=$(now)
  PGPASSWORD=bench-pw "$pg_bin/psql" -X -q "$dsn" \
    -c "\\copy (SELECT * FROM t) TO '$work/copy.csv' CSV HEADER"
  psql_s=$(echo "$(now) - $start" | bc -l)
  rm -rf "$work/out" "$work/state"
  start=$(now)
  "$sluice" run "$work/job.yaml" --workers "$workers" --state "$work/state" --no-progress \
    >/dev/null 2>"$work/sluice.err"
  sluice_s=$(echo "$(now) - $start" | bc -l)
  printf 'run %d: psql \\copy %.2f s (%.0f rows/s)   sluice run --workers %d %.2f s (%.0f rows/s)\n' \
    "$run" "$psql_s" "$(echo "$rows / $psql_s" | bc -l)" "$workers" "$sluice_s" \
    "$(echo "$rows / $sluice_s" | bc -l)"
done

# Same rows: sluice's parts in name order are in key order, as is the copy here.
{ head -1 "$work/copy.csv"; tail -n +2 "$work/copy.csv" | sort; } >"$work/copy.sorted"
first=1
for part in "$work"/out/part-*.csv; do
  if [[ $first -eq 1 ]]; then head -1 "$part"; first=0; fi
done >"$work/sluice.sorted"
tail -q -n +2 "$work"/out/part-*.csv | sort >>"$work/sluice.sorted"
if cmp -s "$work/copy.sorted" "$work/sluice.sorted"; then
  echo "same rows: yes ($(($(wc -l <"$work/copy.csv") - 1)) rows, $(du -m "$work/copy.csv" | cut -f1) MB of CSV)"
else
  echo "same rows: NO" >&2
  exit 1
fi
