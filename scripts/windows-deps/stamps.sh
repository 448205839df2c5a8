# Stamps of the library prefix scripts/windows-deps.sh builds; sourced by it
# and by tests/windows/deps_stamps_test.sh.
#
# A stamp, .stamps/<library> in the prefix, is the library's identity line
# (name, version, and the hash of its patches when it has any) followed by
# one "size path" line per file it installed. A library counts as present
# only when its identity is the same and every one of its files is there at
# its size; the prefix counts as complete only with .complete (written last)
# and every library present. Globals: PREFIX, PATCHES, ORDER (libraries),
# VERSION (library → version).

# Prints a library's identity line.
stamp_id() {
  local id="$1 ${VERSION[$1]}"
  if [[ -d $PATCHES/$1 ]]; then
    id+=" patches=$(cd "$PATCHES/$1" && find . -type f | sort | xargs -r sha256sum |
      sha256sum | cut -c1-16)"
  fi
  echo "$id"
}

# The prefix's files as sorted "size path" lines, read once (the Boost
# headers alone are 15,000 files) and again after each install.
STAMPS_LISTING=$(mktemp)
trap 'rm -f "$STAMPS_LISTING"' EXIT
stamps_listed=
list_prefix() {
  : >"$STAMPS_LISTING"
  if [[ -d $PREFIX ]]; then
    (cd "$PREFIX" && find . \( -path ./.work -o -path ./.logs -o -path ./.stamps \) -prune \
       -o -type f -printf '%s %P\n' | LC_ALL=C sort) >"$STAMPS_LISTING"
  fi
  stamps_listed=1
}

# Succeeds when the library's stamp has its current identity and every file
# it lists is present at its size.
stamp_ok() {
  local stamp="$PREFIX/.stamps/$1"
  [[ -f $stamp ]] || return 1
  [[ $(head -1 "$stamp") == "$(stamp_id "$1")" ]] || return 1
  [[ -n $stamps_listed ]] || list_prefix
  [[ -z $(tail -n +2 "$stamp" | LC_ALL=C sort | LC_ALL=C comm -23 - "$STAMPS_LISTING" |
          head -1) ]]
}

# Succeeds when .complete exists and every library of ORDER is present.
prefix_complete() {
  [[ -f $PREFIX/.complete ]] || return 1
  local pkg
  for pkg in "${ORDER[@]}"; do stamp_ok "$pkg" || return 1; done
}

# Stamps a library with the files under STAGED (its install, already copied
# into the prefix). The stamp replaces the old one in one rename.
write_stamp() {  # write_stamp LIBRARY STAGED
  mkdir -p "$PREFIX/.stamps"
  {
    stamp_id "$1"
    (cd "$2" && find . -type f -printf '%s %P\n' | LC_ALL=C sort -k2)
  } >"$PREFIX/.stamps/$1.new"
  mv "$PREFIX/.stamps/$1.new" "$PREFIX/.stamps/$1"
  stamps_listed=
}
