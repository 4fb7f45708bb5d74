/* glibc_compat.c - what Debian's static libyajl, libseccomp and libcap need from glibc when
 * rbox-runtime and rbox-monitor are linked against musl (the default when musl-gcc is installed,
 * see Makefile).
 *
 * Why musl: rbox-runtime is exec'd several times per container (create and its re-exec from a
 * sealed memfd, start, delete, state). A static glibc spends ~0.7 ms of every start-up in this
 * kind of VM on CPUID-based cache and feature probing (each CPUID traps to the hypervisor),
 * musl none: `run` is ~13% faster and the binary is a quarter of the size (docs/performance.md).
 * Debian ships those three libraries only built against glibc; their archives reference the
 * _FORTIFY_SOURCE checking entry points and glibc's ctype table accessors below, nothing else
 * (a new glibc-only reference makes the link fail, it cannot slip through). Each checking
 * function aborts on overflow exactly as glibc's does. In a glibc build this file is empty. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef __GLIBC__ /* (defined by the libc headers above) */

void *__memcpy_chk(void *dst, const void *src, size_t len, size_t dstlen);
int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, ...);
int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...);
int __asprintf_chk(char **s, int flag, const char *fmt, ...);
int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...);
const unsigned short **__ctype_b_loc(void);
const int **__ctype_tolower_loc(void);

void *__memcpy_chk(void *dst, const void *src, size_t len, size_t dstlen)
{
    if (len > dstlen)
        abort();
    return memcpy(dst, src, len);
}

int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, ...)
{
    (void)flag;
    if (maxlen > slen)
        abort();
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(s, maxlen, fmt, ap);
    va_end(ap);
    return r;
}

int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...)
{
    (void)flag;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(s, slen, fmt, ap);
    va_end(ap);
    if (r >= 0 && (size_t)r >= slen)
        abort();
    return r;
}

int __asprintf_chk(char **s, int flag, const char *fmt, ...)
{
    (void)flag;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(s, fmt, ap);
    va_end(ap);
    return r;
}

int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...)
{
    (void)flag;
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(fp, fmt, ap);
    va_end(ap);
    return r;
}

/* glibc's <ctype.h> macros index a table of class masks (valid for -128..255) through
 * __ctype_b_loc(). The bit of class n is _ISbit(n): byte-swapped on little-endian hosts, so
 * classes 0-7 sit in the high byte. The C locale: only ASCII has classes. */
enum { UPPER, LOWER, ALPHA, DIGIT, XDIGIT, SPACE, PRINT, GRAPH, BLANK, CNTRL, PUNCT, ALNUM };

static unsigned short class_table[384];
static int tolower_table[384];
static const unsigned short *class_ptr;
static const int *tolower_ptr;

static unsigned short glibc_bit(int n)
{
    return (unsigned short)(n < 8 ? (1u << n) << 8 : (1u << n) >> 8);
}

static void ctype_init(void)
{
    for (int c = -128; c < 256; c++) {
        unsigned short m = 0;
        if (c >= 0 && c < 128) {
            const struct {
                int (*is)(int);
                int n;
            } cls[] = { { isupper, UPPER }, { islower, LOWER },   { isalpha, ALPHA },
                        { isdigit, DIGIT }, { isxdigit, XDIGIT }, { isspace, SPACE },
                        { isprint, PRINT }, { isgraph, GRAPH },   { isblank, BLANK },
                        { iscntrl, CNTRL }, { ispunct, PUNCT },   { isalnum, ALNUM } };
            for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++)
                if (cls[i].is(c))
                    m |= glibc_bit(cls[i].n);
        }
        class_table[c + 128] = m;
        tolower_table[c + 128] = c >= 0 && c < 128 ? tolower(c) : c;
    }
    class_ptr = class_table + 128;
    tolower_ptr = tolower_table + 128;
}

const unsigned short **__ctype_b_loc(void)
{
    if (class_ptr == NULL)
        ctype_init();
    return &class_ptr;
}

const int **__ctype_tolower_loc(void)
{
    if (tolower_ptr == NULL)
        ctype_init();
    return &tolower_ptr;
}
#endif
