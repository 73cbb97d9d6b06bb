#!/usr/bin/env bash
# Puts htmx 2 and its SSE extension in a folder for `chorus serve --demo --demo-assets DIR`, so the
# demo page needs nothing from the internet. They come from PyPI, inside the django-htmx wheel
# (django_htmx/static/django_htmx/htmx-2.min.js and ext/hx-sse-2.js); nothing third-party is
# committed to this repository.
#
#   scripts/fetch-htmx.sh .demo-assets
set -euo pipefail
DEST=${1:?usage: scripts/fetch-htmx.sh DIR}
VERSION=${DJANGO_HTMX_VERSION:-1.29.0}
if [ -s "$DEST/htmx.min.js" ] && [ -s "$DEST/sse.js" ]; then exit 0; fi
mkdir -p "$DEST"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: "django-htmx==$VERSION" -d "$WORK"
python3 - "$WORK" "$DEST" <<'PY'
import glob, sys, zipfile
work, dest = sys.argv[1], sys.argv[2]
wheel = zipfile.ZipFile(glob.glob(f"{work}/django_htmx-*.whl")[0])
for inner, name in [("django_htmx/static/django_htmx/htmx-2.min.js", "htmx.min.js"),
                    ("django_htmx/static/django_htmx/ext/hx-sse-2.js", "sse.js")]:
    with open(f"{dest}/{name}", "wb") as out:
        out.write(wheel.read(inner))
PY
echo "htmx and its SSE extension are in $DEST"
