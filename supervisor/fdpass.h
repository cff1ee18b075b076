/* Passing one fd over an AF_UNIX socket (SCM_RIGHTS). */
#ifndef OVLRUN_FDPASS_H
#define OVLRUN_FDPASS_H
/* 0 or -errno. */
int send_fd(int sock, int fd);
/* The received fd (close-on-exec), or -1 when the peer sent none. */
int recv_fd(int sock);
#endif
