#!/usr/bin/env bash
# Sets up and runs Vigil's main job on the embedded defaults: synthesises the bundled sample recordings
# (samples/*.json: a body-cam call-out, a counter visit, a phone call), analyses each one end to end
# (decode, Whisper ASR, diarization, roles, rules) and stores the documents under var/store; then starts
# the review server (reviewer pages + API) in the background with those documents in its queue and
# prints the address and the demo reviewer's credentials (a random password kept in
# var/demo-credentials.txt, mode 0600). Re-running restarts the server and keeps the password.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 PYANNOTE_METRICS_ENABLED=0
PORT=${VIGIL_DEMO_PORT:-8000}
URL="http://127.0.0.1:${PORT}/"
CREDENTIALS=var/demo-credentials.txt
.venv/bin/vigil demo "$@"
.venv/bin/vigil demo-user --credentials "$CREDENTIALS" --url "$URL"

# the previous demo server, if this script started one that still runs
if [ -f var/serve.pid ]; then
  old=$(cat var/serve.pid)
  if kill -0 "$old" 2>/dev/null; then kill "$old"; sleep 2; fi
  rm -f var/serve.pid
fi
nohup .venv/bin/vigil serve --host 127.0.0.1 --port "$PORT" > var/serve.log 2>&1 &
echo $! > var/serve.pid
if ! .venv/bin/python - "$PORT" <<'PY'
import sys, time
import httpx
url = f"http://127.0.0.1:{sys.argv[1]}/readyz"
for _ in range(120):
    try:
        if httpx.get(url, timeout=2).status_code == 200:
            sys.exit(0)
    except httpx.HTTPError:
        pass
    time.sleep(1)
sys.exit(1)
PY
then
  echo "demo: the review server did not start; see var/serve.log:" >&2
  tail -n 20 var/serve.log >&2
  exit 1
fi
password=$(sed -n 's/^password: //p' "$CREDENTIALS")
cat <<MSG

Reviewer workspace: ${URL}
  user:     demo
  password: ${password}   (kept in ${CREDENTIALS}, readable by you only)
  server:   pid $(cat var/serve.pid), log var/serve.log; stop it with: kill \$(cat var/serve.pid)
MSG
