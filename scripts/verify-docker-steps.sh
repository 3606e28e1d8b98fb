#!/usr/bin/env bash
# No Docker engine runs here, so this runs the Dockerfile's steps outside Docker, stage by stage, in a
# scratch folder: the build stage (npm ci + tsc), the production-only install, the runtime layout, then
# the image's CMD answering /healthz (and the HEALTHCHECK command itself), and a clean SIGTERM exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/memo-bot-docker-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "stage build: npm ci --ignore-scripts && npm rebuild sqlite3, then npm run build"
mkdir -p "$work/build" "$work/deps" "$work/app/data"
cp "$root/package.json" "$root/package-lock.json" "$work/build/"
(cd "$work/build" && npm ci --ignore-scripts --no-audit --no-fund && npm rebuild sqlite3)
cp -r "$root/tsconfig.json" "$root/tsconfig.build.json" "$root/src" "$root/commands" "$root/scripts" "$work/build/"
(cd "$work/build" && npm run build)

step "stage deps: npm ci --omit=dev --ignore-scripts && npm rebuild sqlite3"
cp "$root/package.json" "$root/package-lock.json" "$work/deps/"
(cd "$work/deps" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild sqlite3)
if [ -d "$work/deps/node_modules/typescript" ] || [ -d "$work/deps/node_modules/vitest" ]; then
  echo "dev dependencies leaked into the production install" >&2
  exit 1
fi

step "stage runtime: production node_modules + dist + package.json + bin + config"
cp -r "$work/deps/node_modules" "$work/build/dist" "$root/package.json" "$root/bin" "$root/config" "$work/app/"

step "start a fake Slack Web API for the adapter to talk to"
fifo="$work/fake.out"
(cd "$root" && exec node --import tsx tests/fakes/run-fake-slack.ts >"$fifo") &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$fifo" ] && break; sleep 0.1; done
api=$(head -n1 "$fifo")
port=$(node -e 'const s=require("net").createServer().listen(0,()=>{console.log(s.address().port);s.close()})')

tunables=$(sed -n 's/.*GLIBC_TUNABLES=\([^ \\]*\).*/\1/p' "$root/Dockerfile" | tail -n1)
step "CMD: node --enable-source-maps dist/src/main.js serve (NODE_ENV=production, PORT=$port, GLIBC_TUNABLES=$tunables)"
(cd "$work/app" && NODE_ENV=production PORT="$port" MEMORY_URL="sqlite://$work/app/data/memory.sqlite" GLIBC_TUNABLES="$tunables" \
  SLACK_BOT_TOKEN=xoxb-verify-0000000000 SLACK_SIGNING_SECRET=verify-secret SLACK_API_URL="$api" \
  exec node --enable-source-maps dist/src/main.js serve >"$work/app.log" 2>&1) &
app=$!
pids+=($app)
ok=""
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.1
done
if [ -z "$ok" ]; then cat "$work/app.log" >&2; echo "/healthz never answered" >&2; exit 1; fi
curl -fsS "http://127.0.0.1:$port/healthz"; echo

step "HEALTHCHECK command"
(cd "$work/app" && PORT="$port" node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))")
echo "healthy"

step "SIGTERM: clean exit"
kill -TERM "$app"
code=0
wait "$app" || code=$?
if [ "$code" -ne 0 ]; then cat "$work/app.log" >&2; echo "exit code $code" >&2; exit 1; fi
echo "exited 0"
echo
echo "docker steps verified"
