# Shared by scripts/run and scripts/test: system packages when missing, then the virtualenv.
# Usage: source scripts/_bootstrap.sh [with-browser] [with-test-deps]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"

need=()
dpkg -s fonts-thai-tlwg >/dev/null 2>&1 || need+=(fonts-thai-tlwg)
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
"$PY" -c "import venv, ensurepip" >/dev/null 2>&1 || need+=(python3-venv)
if [[ " $* " == *" with-browser "* ]] && ! command -v chromium >/dev/null 2>&1; then need+=(chromium); fi
# the tests read the PDFs they make back as text (pdftotext)
if [[ " $* " == *" with-test-deps "* ]] && ! command -v pdftotext >/dev/null 2>&1; then need+=(poppler-utils); fi
if ((${#need[@]})); then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing system packages: ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "!! missing system packages (install them as root): ${need[*]}" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
extra=""
[[ " $* " == *" with-test-deps "* ]] && extra="[test]"
stamp=".venv/.ecotown-installed$extra"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> installing EcoTown$extra into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".$extra"
  touch "$stamp"
fi
export PATH="$ROOT/.venv/bin:$PATH"
