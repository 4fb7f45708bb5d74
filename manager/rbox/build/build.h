/* build.h - rbox build: a Containerfile's stages run step by step over the image store
 * (docs/build.md). Every filesystem step (RUN, COPY, ADD) is one layer made by image_commit from
 * an overlay upper dir; the other steps change only the config. A step is reused from the
 * cache (<root>/images/build-cache/<key>) when its parent image, its expanded text, the build
 * args in scope and, for COPY/ADD, the content of what it copies are the same. */
#ifndef RBOX_BUILD_H
#define RBOX_BUILD_H

#include "error.h"
#include "image.h"
#include "mcli.h"
#include "parse.h"
#include <stdbool.h>

struct build_opts {
    const char *context; /* a directory, NULL: none (a Containerfile from stdin) */
    const char *file;    /* the Containerfile's text */
    const char *fname;   /* what errors call it: "Containerfile" */
    char **build_args;   /* K=V (or K: from the environment) */
    char **labels;       /* K=V, on the final image */
    const char *target;  /* the last stage built, NULL: the last one */
    const char *network; /* "none", "host" or "bridge" (or a network's name) */
    const char *pull;    /* FROM images: "missing" (default), "always" (--pull), "never" */
    bool no_cache, quiet;
};

/* healthcheck.c: HEALTHCHECK as the image_commit change "HEALTHCHECK {docker's Healthcheck}". */
int bf_healthcheck_change(const struct bf_instr *in, char **change, rbox_err **err);

/* Build; id gets the final image. *code: the failing RUN's exit status, else 125. */
int build_image(struct cmd_ctx *c, const struct build_opts *o, char id[ID_LEN + 1], int *code,
                rbox_err **err);

/* ---- context.c: a context sent as a tar archive ---- */

/* fd (seekable) starts as a tar, or a gzip/bzip2/xz/zstd stream (taken for a tar). */
bool build_is_archive(int fd);
/* Unpack the archive fd into dir (regular files, directories and symlinks, hard links among
 * them; modes kept, owners only with owners; nothing outside dir, never through a symlink).
 * Thread-safe (the API's archive upload calls it too). */
int build_context_unpack(int fd, const char *dir, bool owners, rbox_err **err);

/* ---- copy.c: COPY and ADD ---- */

/* The patterns of .dockerignore / .containerignore in the context (NULL: none). */
char **build_ignore_load(int ctxfd);
bool build_ignored(char *const *patterns, const char *rel);

struct copy_src {
    int rootfd;          /* the context, or a stage's / image's root */
    char *const *ignore; /* patterns (context only) */
};
/* The sha256 (hex) of srcs' content as the copy would read them, for the cache key. */
int build_copy_hash(const struct copy_src *src, char *const *srcs, char hex[ID_LEN + 1],
                    rbox_err **err);
/* Copy srcs into dst (absolute, in dstroot), docker's rules: a dir's contents, dst/ or
 * several sources make dst a directory. uid/gid < 0: root; mode < 0: as the source. ADD
 * (extract) unpacks local tar archives into dst. */
int build_copy(const struct copy_src *src, char *const *srcs, int dstroot, const char *dst,
               long uid, long gid, long mode, bool extract, rbox_err **err);

#endif
