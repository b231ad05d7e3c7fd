#!/usr/bin/env bash
# Regenerate and compile EcoTown's translation catalogues.
#
#   bash scripts/i18n.sh
#
# Needs GNU gettext (xgettext, msgmerge, msgfmt) at development time only:
# the compiled catalogues (src/ecotown/locale/*/LC_MESSAGES/django.mo) are
# committed, so installing or running EcoTown needs no gettext.
#
# Thai (th) is the main UI language; English (en) is the source language in
# code, so its catalogue may keep empty translations.
#
# After running, translate new/changed entries in
#   src/ecotown/locale/th/LC_MESSAGES/django.po
# (remove "#, fuzzy" after checking), then run this script again to compile.
# Check: msgattrib --untranslated src/ecotown/locale/th/LC_MESSAGES/django.po
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-ecotown.web.settings}"
# Settings need a data directory; catalogue work never writes to it.
export ECOTOWN_DATA_DIR="${ECOTOWN_DATA_DIR:-${TMPDIR:-/tmp}/ecotown-i18n}"
mkdir -p "$ECOTOWN_DATA_DIR"

for tool in xgettext msgmerge msgfmt; do
  command -v "$tool" >/dev/null || {
    echo "i18n.sh: $tool not found; install GNU gettext (apt-get install gettext)" >&2
    exit 1
  }
done

cd "$ROOT/src/ecotown"
mkdir -p locale

# EcoTown has ONE catalogue for the whole project (src/ecotown/locale): every app's
# strings go there, so a term is translated one way everywhere.  An app must not keep
# a catalogue of its own; should one appear (src/ecotown/<app>/locale), it is left
# alone here and tests/web/test_catalogue.py fails until it is merged.
ignores=(--ignore=.venv --ignore=assets)
while IFS= read -r app_locale; do
  app="${app_locale#./}"; app="${app%/locale}"
  echo "i18n.sh: $app has its own catalogue ($app/locale); not extracting or compiling it" >&2
  ignores+=("--ignore=$app/*")
done < <(find . -mindepth 2 -type d -name locale -not -path './locale/*' | sort)

"$PY" -m django makemessages -l th -l en --no-location "${ignores[@]}" -e html,py,txt
"$PY" -m django compilemessages "${ignores[@]}"

untranslated="$(msgattrib --untranslated --no-obsolete locale/th/LC_MESSAGES/django.po 2>/dev/null | grep -c '^msgid ' || true)"
fuzzy="$(msgattrib --only-fuzzy --no-obsolete locale/th/LC_MESSAGES/django.po 2>/dev/null | grep -c '^msgid ' || true)"
# msgattrib output includes the header entry when anything is printed.
[ "$untranslated" -gt 0 ] && untranslated=$((untranslated - 1))
[ "$fuzzy" -gt 0 ] && fuzzy=$((fuzzy - 1))
echo "i18n.sh: th catalogue: $untranslated untranslated, $fuzzy fuzzy"
