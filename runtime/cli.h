/* cli.h - flag parsing shared by every verb (runc's conventions: flags before arguments,
 * "--opt value" and "--opt=value", "-o value", "--" ends flags) and the verb table. */
#ifndef RBOX_CLI_H
#define RBOX_CLI_H

#include "container.h"
#include "error.h"
#include <stdbool.h>

struct cli_opt {
    const char *name; /* long name without "--" */
    char short_name;  /* 0 if none */
    bool has_arg;
    int id; /* > 0 */
};

struct cli_parser {
    int argc;
    char **argv;
    int i;            /* next argv index */
    const char *verb; /* for messages */
};

#define CLI_HELP (-2)
/* Next flag: returns its id (arg set when has_arg), 0 when flags are over (p->i is the first
 * argument), CLI_HELP for -h/--help, -1 on error. */
int cli_next(struct cli_parser *p, const struct cli_opt *opts, const char **arg, rbox_err **err);
/* Positional arguments left. */
static inline int cli_rest(const struct cli_parser *p)
{
    return p->argc - p->i;
}
int cli_parse_int(const char *flag, const char *v, int min, int max, int *out, rbox_err **err);

struct verb {
    const char *name;
    const char *summary;
    int (*run)(const struct global_opts *g, int argc, char **argv);
};
extern const struct verb verbs[];

/* Print `usage` on stdout (for --help) and return 0. */
int cli_usage(const char *usage);
/* Report an error once (the CLI layer's single print) and return the exit status (1). */
int cli_fail(rbox_err *err);
/* The same for run: when the user's process could not be exec'd, the status a shell
 * gives (127 not found, 126 not executable, rbox_exec_exit_code()). */
int cli_fail_exec(rbox_err *err);
/* "rbox-runtime VERB: needs exactly N argument(s)" helpers. */
int cli_require_args(struct cli_parser *p, int min, int max, const char *what, rbox_err **err);

int cmd_create(const struct global_opts *g, int argc, char **argv);
int cmd_start(const struct global_opts *g, int argc, char **argv);
int cmd_state(const struct global_opts *g, int argc, char **argv);
int cmd_kill(const struct global_opts *g, int argc, char **argv);
int cmd_delete(const struct global_opts *g, int argc, char **argv);
int cmd_run(const struct global_opts *g, int argc, char **argv);
struct container;
/* cmd/run.c: the `run --stats` JSON of a stopped container (malloc'd, no newline) */
char *run_stats_text(const struct container *c, int status, size_t *len);
int cmd_list(const struct global_opts *g, int argc, char **argv);
int cmd_spec(const struct global_opts *g, int argc, char **argv);
int cmd_update(const struct global_opts *g, int argc, char **argv);
int cmd_pause(const struct global_opts *g, int argc, char **argv);
int cmd_resume(const struct global_opts *g, int argc, char **argv);
int cmd_ps(const struct global_opts *g, int argc, char **argv);
int cmd_events(const struct global_opts *g, int argc, char **argv);
int cmd_exec(const struct global_opts *g, int argc, char **argv);
int cmd_features(const struct global_opts *g, int argc, char **argv);
/* hidden: librbox's prestart helper (cmd/serve.c) */
int cmd_serve(const struct global_opts *g, int argc, char **argv);

#endif
