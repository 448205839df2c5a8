#!/usr/bin/env bash
# Runs clang-tidy (checks in .clang-tidy) on our C++ sources, in parallel.
# A file is re-checked only when it, or any header of ours, changed since the
# last clean pass: the stamp file holds the hashes of clean inputs.
# Usage: scripts/tidy.sh BUILD_DIR [--all]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ALL=${2:-}
STAMP="$BUILD/.tidy-clean"
JOBS=${MAMORI_JOBS:-$(nproc)}
[[ -f "$BUILD/compile_commands.json" ]] || { echo "tidy: no $BUILD/compile_commands.json" >&2; exit 1; }

# Our translation units that are in the compile database (native build).
mapfile -t units < <(git ls-files '*.cpp' | grep -Ev '(^|/)windows/|^third_party/' |
  while read -r f; do grep -q "\"file\": \"$PWD/$f\"" "$BUILD/compile_commands.json" && echo "$f"; done)
headers_hash=$(git ls-files '*.h' | xargs -r sha1sum | sha1sum | cut -c1-40)
config_hash=$(sha1sum .clang-tidy | cut -c1-40)

touch "$STAMP"
todo=()
for f in "${units[@]}"; do
  key="$(sha1sum "$f" | cut -c1-40)-$headers_hash-$config_hash"
  if [[ -n "$ALL" ]] || ! grep -qx "$f $key" "$STAMP"; then todo+=("$f"); fi
done
echo "tidy: ${#todo[@]} of ${#units[@]} files to check"
[[ ${#todo[@]} -eq 0 ]] && exit 0

failed=0
out=$(mktemp -d)
printf '%s\n' "${todo[@]}" | xargs -P "$JOBS" -I{} sh -c \
  'clang-tidy -p "$1" --quiet "$2" > "$3/$(echo "$2" | tr / _).log" 2>&1 || echo "$2" >> "$3/failed"' \
  _ "$BUILD" {} "$out"
if [[ -f "$out/failed" ]]; then
  failed=1
  while read -r f; do
    echo "---- clang-tidy: $f"
    grep -E 'warning:|error:' -A3 "$out/$(echo "$f" | tr / _).log" | head -60
  done < "$out/failed"
fi
# Remember the files that came out clean.
tmp=$(mktemp)
grep -v -F -f <(printf '%s \n' "${todo[@]}") "$STAMP" > "$tmp" || true
for f in "${todo[@]}"; do
  if ! grep -qx "$f" "$out/failed" 2>/dev/null; then
    echo "$f $(sha1sum "$f" | cut -c1-40)-$headers_hash-$config_hash" >> "$tmp"
  fi
done
mv "$tmp" "$STAMP"
rm -rf "$out"
exit $failed
