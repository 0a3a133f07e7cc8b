#!/bin/sh
# git merge driver for gettext catalogues: a three-way merge entry by entry (scripts/merge_po.py),
# run with the project's virtualenv (Babel). Enable it once per clone:
#   git config merge.po.driver 'scripts/merge-po.sh %O %A %B'
# then run `make makemessages` after a merge that touched the catalogues.
here=$(dirname "$0")
exec "$here/../.venv/bin/python" "$here/merge_po.py" "$1" "$2" "$3"
