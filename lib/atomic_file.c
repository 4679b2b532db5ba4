// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tmp file + (fsync) + rename + (fsync dir). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "atomic_file.h"

static int fail(char *err, size_t errlen, const char *what, const char *path)
{
	int e = errno;

	snprintf(err, errlen, "%s %s: %s", what, path, strerror(e));
	return -e;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sync_dir(const char *path, char *err, size_t errlen)
{
	char *copy = strdup(path);
	int fd, rc = 0;

	if (!copy)
		return fail(err, errlen, "copying", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		rc = fail(err, errlen, "syncing the directory of", path);
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

int ls_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
		    bool durable, char *err, size_t errlen)
{
	size_t n = strlen(path) + sizeof(".tmp");
	char *tmp = malloc(n);
	int fd, rc = 0;

	if (!tmp)
		return fail(err, errlen, "allocating a name for", path);
	snprintf(tmp, n, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		rc = fail(err, errlen, "creating", tmp);
		goto out;
	}
	/* O_CREAT's mode is filtered by the umask and ignored for an old tmp */
	if (fchmod(fd, mode) || write_all(fd, buf, len) || (durable && fsync(fd)))
		rc = fail(err, errlen, "writing", tmp);
	if (close(fd) && !rc)
		rc = fail(err, errlen, "closing", tmp);
	if (!rc && rename(tmp, path))
		rc = fail(err, errlen, "renaming over", path);
	if (rc)
		unlink(tmp);
	else if (durable)
		rc = sync_dir(path, err, errlen);
out:
	free(tmp);
	return rc;
}
