/* mcli.h - rbox's command line: docker-style flags (long "--name value" / "--name=value", short
 * "-d", combined "-aq", "-e K=V", repeated flags), one table per command, --help text. */
#ifndef RBOX_MCLI_H
#define RBOX_MCLI_H

#include "error.h"
#include "store.h"
#include <stdbool.h>

struct mopt {
    const char *name; /* long name */
    char short_name;  /* 0: none */
    bool has_arg;
    int id; /* > 0 */
};

struct margs {
    int argc;
    char **argv;
    int i;
    const char *cmd;   /* "rbox run", for messages */
    bool interspersed; /* flags may follow arguments (all but run/create) */
    char **pos;        /* positional arguments (interspersed mode) */
    size_t npos;
    const char *shorts; /* pending combined short flags */
};

#define MOPT_HELP (-2)
/* Next flag id; 0 when done (then positional args are pos[] in interspersed mode, or
 * argv[i..] otherwise); MOPT_HELP for -h/--help; -1 on error. */
int margs_next(struct margs *p, const struct mopt *opts, const char **arg, rbox_err **err);
void margs_free(struct margs *p);
/* The whole flag loop of a command whose flags are booleans (flags[id] = true) and at most one
 * with a value (value_id, 0: none; *value = its argument): MOPT_HELP, -1 or 0. */
int margs_bools(struct margs *p, const struct mopt *opts, bool *flags, int value_id,
                const char **value, rbox_err **err);
/* Positional arguments once flags are done. */
int margs_count(const struct margs *p);
char *margs_at(const struct margs *p, int k);
int margs_require(const struct margs *p, int min, int max, const char *what, rbox_err **err);

/* Every command handler. */
struct cmd_ctx {
    struct store *s;
};
typedef int (*cmd_fn)(struct cmd_ctx *c, int argc, char **argv);

/* Print one error line (the CLI's single print) and return 125. */
int cmd_fail(rbox_err *err);
/* Print usage to stdout, return 0. */
int cmd_help(const char *usage);
/* docker's prune question: print the warning and "Are you sure...? [y/N] ", true on y/Y. */
bool cmd_confirm(const char *warning);

int cmd_run(struct cmd_ctx *c, int argc, char **argv);
/* rbox build's RUN (cmd/run.c): create a container from `rbox create` flags (argv[0] is
 * "create"); run one in the foreground without stdin, its exit code (125-127: not started). */
int run_create_argv(struct cmd_ctx *c, int argc, char **argv, char id[65], rbox_err **err);
int run_foreground_id(struct cmd_ctx *c, const char *id);
int cmd_build(struct cmd_ctx *c, int argc, char **argv);
int cmd_create(struct cmd_ctx *c, int argc, char **argv);
int cmd_start(struct cmd_ctx *c, int argc, char **argv);
int cmd_stop(struct cmd_ctx *c, int argc, char **argv);
int cmd_kill(struct cmd_ctx *c, int argc, char **argv);
int cmd_restart(struct cmd_ctx *c, int argc, char **argv);
int cmd_wait(struct cmd_ctx *c, int argc, char **argv);
int cmd_pause(struct cmd_ctx *c, int argc, char **argv);
int cmd_healthcheck(struct cmd_ctx *c, int argc, char **argv);
int cmd_system_reconcile(struct cmd_ctx *c, int argc, char **argv);
int cmd_unpause(struct cmd_ctx *c, int argc, char **argv);
int cmd_rm(struct cmd_ctx *c, int argc, char **argv);
int cmd_rename(struct cmd_ctx *c, int argc, char **argv);
int cmd_prune(struct cmd_ctx *c, int argc, char **argv);
int cmd_ps(struct cmd_ctx *c, int argc, char **argv);
int cmd_inspect(struct cmd_ctx *c, int argc, char **argv);
int cmd_logs(struct cmd_ctx *c, int argc, char **argv);
int cmd_image(struct cmd_ctx *c, int argc, char **argv);
int cmd_images(struct cmd_ctx *c, int argc, char **argv);
int cmd_image_import(struct cmd_ctx *c, int argc, char **argv);
int cmd_image_rm(struct cmd_ctx *c, int argc, char **argv);
int cmd_image_inspect(struct cmd_ctx *c, int argc, char **argv);
/* cmd/imagecmd.c */
int cmd_image_tag(struct cmd_ctx *c, int argc, char **argv);
int cmd_image_history(struct cmd_ctx *c, int argc, char **argv);
int cmd_image_prune(struct cmd_ctx *c, int argc, char **argv);
int cmd_image_load(struct cmd_ctx *c, int argc, char **argv);
int cmd_image_save(struct cmd_ctx *c, int argc, char **argv);
/* cmd/commitcmd.c */
int cmd_commit(struct cmd_ctx *c, int argc, char **argv);
int cmd_diff(struct cmd_ctx *c, int argc, char **argv);
int cmd_export(struct cmd_ctx *c, int argc, char **argv);
int cmd_cp(struct cmd_ctx *c, int argc, char **argv);
int cmd_volume(struct cmd_ctx *c, int argc, char **argv);
int cmd_network(struct cmd_ctx *c, int argc, char **argv);
int cmd_port(struct cmd_ctx *c, int argc, char **argv);
int cmd_update(struct cmd_ctx *c, int argc, char **argv);
int cmd_events(struct cmd_ctx *c, int argc, char **argv);
int cmd_system(struct cmd_ctx *c, int argc, char **argv);
int cmd_system_df(struct cmd_ctx *c, int argc, char **argv);    /* df.c */
int cmd_system_prune(struct cmd_ctx *c, int argc, char **argv); /* df.c */
int cmd_info(struct cmd_ctx *c, int argc, char **argv);
int cmd_version(struct cmd_ctx *c, int argc, char **argv);
/* registry (cmd/registry.c) */
int cmd_pull(struct cmd_ctx *c, int argc, char **argv);
int cmd_push(struct cmd_ctx *c, int argc, char **argv);
int cmd_login(struct cmd_ctx *c, int argc, char **argv);
int cmd_logout(struct cmd_ctx *c, int argc, char **argv);
int cmd_completion(struct cmd_ctx *c, int argc, char **argv);
/* interactive */
int cmd_attach(struct cmd_ctx *c, int argc, char **argv);
int cmd_exec(struct cmd_ctx *c, int argc, char **argv);
int cmd_stats(struct cmd_ctx *c, int argc, char **argv);
int cmd_top(struct cmd_ctx *c, int argc, char **argv);
/* rbox system service (cmd/service.c, api/) */
int cmd_system_service(struct cmd_ctx *c, int argc, char **argv);

#endif
