# ev(tag): print the events queued on the inotify instance `ino` (non-blocking)
# as (wd, mask) pairs.  Spliced into scenarios by run_scenario.sh ($inotify_ev_py).
def ev(tag):
    out = []
    while True:
        try:
            buf = os.read(ino, 4096)
        except BlockingIOError:
            break
        i = 0
        while i < len(buf):
            w, mask, cookie, ln = struct.unpack_from('iIII', buf, i); out.append((w, hex(mask))); i += 16 + ln
    print(tag, out)
