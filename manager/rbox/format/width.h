/* width.h - the display width of UTF-8 text in a terminal, so that tables (ps, images, stats,
 * --format 'table ...') stay aligned with "héllo" or 日本 in a cell. A fixed table (East Asian
 * wide and fullwidth: two columns; combining and zero-width marks: none; the rest: one), as
 * go-runewidth's for docker, not wcwidth(): the same output under every locale (rbox is static
 * and does not call setlocale). An invalid byte counts as one column. */
#ifndef RBOX_WIDTH_H
#define RBOX_WIDTH_H

#include <stddef.h>
#include <stdio.h>

/* Columns of s[0..n). */
size_t u8_width(const char *s, size_t n);
/* Bytes of the longest prefix of s[0..n) that fits in max columns (never half a character). */
size_t u8_prefix(const char *s, size_t n, size_t max);
/* Write s, then spaces up to width columns. */
void u8_pad(FILE *f, const char *s, size_t width);

#endif
