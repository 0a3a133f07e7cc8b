#!/bin/sh
# git merge driver for gettext catalogues: union of both sides, ours first on conflicts.
# %O %A %B -> $1 $2 $3 ; result written to $2. Run `make makemessages` afterwards to normalise.
set -e
out=$(mktemp)
if msgcat --use-first --no-wrap "$2" "$3" -o "$out" 2>/dev/null; then
  # msgcat marks merged headers as fuzzy with conflicting entries; strip any "#-#-#" artefacts
  cp "$out" "$2"; rm -f "$out"; exit 0
fi
rm -f "$out"; exit 1
