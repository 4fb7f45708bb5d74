/* du.h - disk usage as docker shows it: the bytes under a directory (ps -s, system df) and
 * go-units' human sizes ("1.23MB", decimal units). */
#ifndef RBOX_DU_H
#define RBOX_DU_H

#include <stddef.h>
#include <stdint.h>

/* The apparent size of every file under path (a hard link counted once, directories not
 * counted, no mount point crossed), as docker's directory.Size; 0 when it cannot be read. */
uint64_t dir_usage(const char *path);
/* go-units HumanSizeWithPrecision: "%.*g" and B, kB, MB, GB, TB, PB (powers of 1000). */
void human_size(uint64_t bytes, int precision, char *buf, size_t len);

#endif
