/* fsuuid DIR: the uuid of DIR's filesystem as the kernel knows it
 * (FS_IOC_GETFSUUID: 32 hex digits, zeros for a null one), or "unknown"
 * where the kernel or the filesystem cannot tell (Linux < 6.5). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct fsuuid2 {
	unsigned char len;
	unsigned char uuid[16];
};
#define GETFSUUID _IOR(0x15, 0, struct fsuuid2)

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: fsuuid DIR\n", stderr);
		return 2;
	}
	int fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	struct fsuuid2 u = { .len = sizeof(u.uuid) };
	if (ioctl(fd, GETFSUUID, &u) || u.len != sizeof(u.uuid)) {
		puts("unknown");
		return 0;
	}
	for (unsigned i = 0; i < sizeof(u.uuid); i++)
		printf("%02x", u.uuid[i]);
	putchar('\n');
	close(fd);
	return 0;
}
