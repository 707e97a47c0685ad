#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle dist/gdviz/ and smoke-test it.
#
#   packaging/build.sh            # from anywhere; works in the repo root
#   PYTHON=python3.11 packaging/build.sh
#
# Creates a throwaway venv in build/pyi-venv (reused on the next run), installs the project
# (without the torch extra) plus PyInstaller, runs packaging/pyinstaller/gdviz.spec, then runs
#   dist/gdviz/gdviz scenarios
#   dist/gdviz/gdviz export default --out build/smoke.png
# and says which smoke step failed, if any. Exit status: 0 all good, 1 build failed,
# 2 a smoke step failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="build/pyi-venv"

step() { printf '\n==> %s\n' "$*"; }

step "venv $VENV ($("$PYTHON" --version))"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "$ROOT" pyinstaller

step "pyinstaller packaging/pyinstaller/gdviz.spec"
if ! "$VENV/bin/pyinstaller" --noconfirm --log-level WARN \
        --distpath dist --workpath build/pyinstaller packaging/pyinstaller/gdviz.spec; then
    echo "BUILD FAILED: pyinstaller" >&2
    exit 1
fi
echo "bundle: dist/gdviz ($(du -sh dist/gdviz | cut -f1))"

export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
failed=()
smoke() {
    local name="$1"; shift
    step "smoke: $name"
    if "$@"; then echo "ok: $name"; else echo "SMOKE FAILED: $name (exit $?)" >&2; failed+=("$name"); fi
}
rm -f build/smoke.png
smoke "gdviz scenarios" dist/gdviz/gdviz scenarios
smoke "gdviz export default --out build/smoke.png" \
    bash -c 'dist/gdviz/gdviz export default --out build/smoke.png && test -s build/smoke.png'

if [ ${#failed[@]} -ne 0 ]; then
    printf '\nsmoke steps failed: %s\n' "${failed[*]}" >&2
    exit 2
fi
printf '\nall smoke steps passed\n'
