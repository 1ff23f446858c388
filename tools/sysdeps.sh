#!/bin/sh
# Make sure the system packages pinban needs are present; install them when we can
# (root, or password-less sudo), otherwise stop with one line naming what is missing.
#   tools/sysdeps.sh          fonts, HarfBuzz subsetter, Pango (for WeasyPrint), fontconfig,
#                             Ghostscript (the plant file's ink preflight; its libgs-common ships
#                             the stand-in CMYK output profile of the house style's [press])
#   tools/sysdeps.sh --test   also what the test suite uses (LibreOffice, poppler-utils, Chromium)
set -eu

PKGS="fonts-noto-cjk fonts-lxgw-wenkai libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fontconfig ghostscript"
[ "${1:-}" = "--test" ] && PKGS="$PKGS poppler-utils libreoffice-writer-nogui chromium"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "pinban: missing system packages:$missing — install them with your package manager (Debian/Ubuntu names)" >&2
    exit 1
fi
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "pinban: missing system packages:$missing — run: sudo apt-get install$missing" >&2
    exit 1
fi
echo "pinban: installing system packages:$missing" >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
