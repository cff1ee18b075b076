#ifndef OVLRUN_SYSCALLS_NAMES_H
#define OVLRUN_SYSCALLS_NAMES_H
int last_is_dot(const char *path);
#endif
