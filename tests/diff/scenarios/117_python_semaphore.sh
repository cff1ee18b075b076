# Python's multiprocessing locks are POSIX semaphores: glibc's sem_open
# makes a temp file in /dev/shm and links it to its name (issue 9, item 8).
image=debian
script=$(cat <<'EOS'
python3 -c '
import multiprocessing as mp
lock = mp.Lock()
with lock:
    print("locked")
q = mp.Queue()
p = mp.Process(target=q.put, args=(42,))
p.start(); print("from the child:", q.get()); p.join()
print("exit", p.exitcode)
'
ls /dev/shm | wc -l
EOS
)
