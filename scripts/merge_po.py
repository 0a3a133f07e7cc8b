"""Three-way merge of gettext catalogues, entry by entry (a git merge driver).

    python merge_po.py BASE OURS THEIRS   -> result written to OURS

For every entry: present on one side only -> kept; changed on one side only (compared with the base)
-> that side's change wins; changed on both sides differently -> ours is kept and the entry is marked
fuzzy, so the catalogue test names it and a person decides. Run `make makemessages` afterwards to
restore the canonical order and wrapping.
"""

import sys

from babel.messages.pofile import read_po, write_po


def load(path):
    with open(path, "rb") as handle:
        return read_po(handle, abort_invalid=False)


def key(message):
    return (message.id, message.context)


def main(base_path, ours_path, theirs_path):
    base, ours, theirs = load(base_path), load(ours_path), load(theirs_path)
    for message in theirs:
        if not message.id:
            continue
        mine = ours.get(message.id, context=message.context)
        if mine is None:
            ours[message.id] = message
            continue
        old = base.get(message.id, context=message.context)
        old_string = old.string if old is not None else None
        old_fuzzy = old.fuzzy if old is not None else None
        if (mine.string, mine.fuzzy) == (message.string, message.fuzzy):
            continue
        if (mine.string, mine.fuzzy) == (old_string, old_fuzzy) or not mine.string:
            mine.string = message.string
            mine.flags = set(message.flags)
        elif (message.string, message.fuzzy) == (old_string, old_fuzzy) or not message.string:
            pass
        else:
            mine.flags.add("fuzzy")
        for location in message.locations:
            if location not in mine.locations:
                mine.locations.append(location)
    with open(ours_path, "wb") as handle:
        write_po(handle, ours, width=79)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
