/* Helpers on path strings shared by the namespace handlers. */
#include <string.h>
#include "names.h"

/* 1 if the last component of path (trailing slashes ignored) is ".",
 * 2 if "..", 0 otherwise. */
int last_is_dot(const char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	size_t start = n;
	while (start > 0 && path[start - 1] != '/')
		start--;
	size_t len = n - start;
	if (len == 1 && path[start] == '.')
		return 1;
	if (len == 2 && path[start] == '.' && path[start + 1] == '.')
		return 2;
	if (n == 1 && path[0] == '/')
		return 3;  /* the root itself */
	return 0;
}
