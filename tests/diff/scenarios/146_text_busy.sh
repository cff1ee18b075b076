# index=off: the scenario of 144_index_text_busy without the index.  A
# program runs from one name of a lower file while it, or another name, is
# opened for writing or truncated: the kernel says ETXTBSY for the name that
# runs (its writes are denied while it runs) and copies nothing; without
# the index the other names are other inodes (copied up apart).
source "$(dirname "${BASH_SOURCE[0]}")/144_index_text_busy.sh"
index=""
