#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle dist/gdviz/ and smoke-test it.
#
#   packaging/build.sh            # from anywhere; works in the repo root
#   PYTHON=python3.11 packaging/build.sh
#
# Creates a throwaway venv in build/pyi-venv (reused on the next run), installs the project
# (without the torch extra) plus PyInstaller, runs packaging/pyinstaller/gdviz.spec, prints the
# bundle's size and its ten largest files, then runs
#   dist/gdviz/gdviz scenarios
#   dist/gdviz/gdviz export default --out build/smoke.png   (and .mp4, .gif: H.264 yuv420p, GIF)
#   dist/gdviz/gdviz export lesson-3-noise-law --what window --out build/smoke-window.png
# and says which smoke step failed, if any. Exit status: 0 all good, 1 build failed,
# 2 a smoke step failed, 3 the bundle is larger than MAX_MB MiB (default 200).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="build/pyi-venv"
MAX_MB="${MAX_MB:-200}"

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

step "size of dist/gdviz"
bytes=$(du -sb dist/gdviz | cut -f1)
mb=$(( (bytes + 1048575) / 1048576 ))
echo "ten largest files:"
find dist/gdviz -type f -printf '%s %P\n' | sort -rn | head -10 |
    awk '{ printf "  %7.1f MiB  %s\n", $1 / 1048576, $2 }'
echo "bundle: dist/gdviz $mb MiB, $bytes bytes (limit $MAX_MB MiB)"

export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
failed=()
smoke() {
    local name="$1"; shift
    step "smoke: $name"
    if "$@"; then echo "ok: $name"; else echo "SMOKE FAILED: $name (exit $?)" >&2; failed+=("$name"); fi
}
rm -f build/smoke.png build/smoke.mp4 build/smoke.gif build/smoke-window.png
smoke "gdviz scenarios" dist/gdviz/gdviz scenarios
smoke "gdviz export default --out build/smoke.png" \
    bash -c 'dist/gdviz/gdviz export default --out build/smoke.png && test -s build/smoke.png'
# a clip, read back with the build venv's PyAV: codec, pixel format and frame count
clip() {
    local out="$1" codec="$2" pix_fmt="$3"
    dist/gdviz/gdviz export default --out "$out" --seconds 2 --fps 10 --size 640x360 &&
    "$VENV/bin/python" - "$out" "$codec" "$pix_fmt" 20 <<'PY'
import sys
import av
path, codec, pix_fmt, frames = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with av.open(path) as c:
    s = c.streams.video[0]
    got = (s.codec_context.name, s.codec_context.pix_fmt, sum(1 for _ in c.decode(s)))
print(path, *got)
sys.exit(0 if got == (codec, pix_fmt, frames) else 1)
PY
}
smoke "gdviz export default --out build/smoke.mp4 (H.264, yuv420p, 20 frames)" \
    clip build/smoke.mp4 h264 yuv420p
smoke "gdviz export default --out build/smoke.gif (GIF, 20 frames)" \
    clip build/smoke.gif gif bgra
smoke "gdviz export lesson-3-noise-law --what window --out build/smoke-window.png" \
    bash -c 'dist/gdviz/gdviz export lesson-3-noise-law --what window --seconds 2 \
             --out build/smoke-window.png && test -s build/smoke-window.png'

if [ ${#failed[@]} -ne 0 ]; then
    printf '\nsmoke steps failed: %s\n' "${failed[*]}" >&2
    exit 2
fi
printf '\nall smoke steps passed\n'
if [ "$mb" -gt "$MAX_MB" ]; then
    echo "BUNDLE TOO LARGE: dist/gdviz is $mb MiB, the limit is $MAX_MB MiB" >&2
    exit 3
fi
echo "bundle: dist/gdviz $mb MiB, within $MAX_MB MiB"
