/* path.h - resolving untrusted paths inside a root directory (openat2 RESOLVE_IN_ROOT).
 *
 * Every path taken from a config or a command line and meant to live in the container is
 * resolved here: symlinks (absolute or with "..") are followed as if rootfd were "/", so nothing
 * can lead outside it, and magic links (/proc/self/fd/N) are refused.
 */
#ifndef RBOX_PATH_H
#define RBOX_PATH_H

#include "error.h"
#include <sys/types.h>

/* openat2(rootfd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); -1 with errno. */
int open_in_root(int rootfd, const char *path, int flags, mode_t mode);
/* Make the directory `path` (and its parents) inside the root; returns an O_PATH fd of it.
 * Dangling symlinks on the way are created as their (in-root) targets. */
int mkdir_all_in_root(int rootfd, const char *path, mode_t mode, rbox_err **err);
/* Make an empty regular file (and its parent dirs) unless something exists there; returns an
 * O_PATH fd of what is at path. */
int mkfile_in_root(int rootfd, const char *path, mode_t mode, rbox_err **err);
/* "/a/b/c" -> dirname "/a/b" (allocated), basename pointer into path. */
char *path_dirname(const char *path);
const char *path_basename(const char *path);
/* Lexically clean a path: collapse "//", "/./", resolve ".." lexically; keeps it absolute. */
char *path_clean(const char *path);

#endif
