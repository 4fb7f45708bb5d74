/* completion.c - rbox completion bash|zsh|fish: the shell scripts, and "rbox completion complete
 * WORD...", the one place that knows what to complete (the scripts are thin wrappers around it,
 * as cobra's __complete is for docker and podman). Commands, subcommands and flags are read from
 * the --help texts when TAB is pressed, so completion never drifts from the commands; names
 * come from rbox itself (ps -a, images, volume ls, network ls). */
#define _GNU_SOURCE
#include "mcli.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char completion_usage[] =
    "Usage: rbox completion bash|zsh|fish\n"
    "\n"
    "Print the completion script of a shell. It completes commands, subcommands and flags\n"
    "(read from each command's --help when TAB is pressed, so they are always the ones this\n"
    "rbox has), container names, image references, volume and network names. Names need\n"
    "root, as rbox does.\n"
    "\n"
    "Shells:\n"
    "  bash   source <(rbox completion bash) in ~/.bashrc, or 'make install' puts it in\n"
    "         $PREFIX/share/bash-completion/completions/rbox\n"
    "  zsh    rbox completion zsh > a directory of $fpath as _rbox ('make install':\n"
    "         $PREFIX/share/zsh/site-functions/_rbox), then compinit\n"
    "  fish   rbox completion fish | source, or 'make install' puts it in\n"
    "         $PREFIX/share/fish/vendor_completions.d/rbox.fish\n"
    "\n"
    "'rbox completion complete WORD...' prints the candidates for the last WORD of the command\n"
    "line 'rbox WORD...' (what the scripts call).\n";

static const char bash_script[] =
    "# bash completion for rbox (rbox completion bash)\n"
    "_rbox() {\n"
    "    local -a w=()\n"
    "    local j x\n"
    "    # bash splits at : and = (COMP_WORDBREAKS): join NAME:TAG and --flag=VALUE again\n"
    "    for ((j = 1; j <= COMP_CWORD; j++)); do\n"
    "        x=${COMP_WORDS[j]}\n"
    "        if ((${#w[@]})) && [[ $x == [:=]* || ${w[${#w[@]}-1]} == *[:=] ]]; then\n"
    "            w[${#w[@]}-1]+=$x\n"
    "        else\n"
    "            w+=(\"$x\")\n"
    "        fi\n"
    "    done\n"
    "    ((${#w[@]})) || w=('')\n"
    "    local cur=${w[${#w[@]}-1]} pre=''\n"
    "    [[ $cur == *[:=]* ]] && pre=${cur%\"${cur##*[:=]}\"}\n"
    "    local IFS=$'\\n'\n"
    "    COMPREPLY=($(\"${COMP_WORDS[0]}\" completion complete \"${w[@]}\" 2>/dev/null))\n"
    "    if [[ -n $pre ]]; then\n"
    "        for j in \"${!COMPREPLY[@]}\"; do COMPREPLY[j]=${COMPREPLY[j]#\"$pre\"}; done\n"
    "    fi\n"
    "}\n"
    "complete -o default -F _rbox rbox\n";

static const char zsh_script[] =
    "#compdef rbox\n"
    "# zsh completion for rbox (rbox completion zsh)\n"
    "_rbox() {\n"
    "    local -a cands\n"
    "    cands=(\"${(@f)$(${words[1]} completion complete \"${(@)words[2,CURRENT]}\" "
    "2>/dev/null)}\")\n"
    "    cands=(${cands:#})\n"
    "    if (( ${#cands} )); then\n"
    "        compadd -Q -- \"${cands[@]}\"\n"
    "    else\n"
    "        _files\n"
    "    fi\n"
    "}\n"
    "if [[ \"${funcstack[1]}\" == _rbox ]]; then\n"
    "    _rbox \"$@\"\n"
    "else\n"
    "    compdef _rbox rbox\n"
    "fi\n";

static const char fish_script[] =
    "# fish completion for rbox (rbox completion fish)\n"
    "function __rbox_complete\n"
    "    set -l words (commandline -opc)\n"
    "    set -l cur (commandline -ct)\n"
    "    $words[1] completion complete $words[2..-1] \"$cur\" 2>/dev/null\n"
    "end\n"
    "function __rbox_no_candidates\n"
    "    test -z \"$(__rbox_complete)\"\n"
    "end\n"
    "complete -c rbox -f -a '(__rbox_complete)'\n"
    "complete -c rbox -n __rbox_no_candidates -F\n";

/* ---- running rbox itself ---- */

struct words {
    char **v;
    size_t n;
};

static void words_add(struct words *w, const char *s)
{
    strv_push(&w->v, &w->n, xstrdup(s));
}

/* stdout of "rbox GLOBALS ARGS..." (stderr to /dev/null); NULL when it cannot run. */
static char *run_self(char *const *globals, const char *const *args)
{
    struct words a = { 0 };
    words_add(&a, "rbox");
    for (size_t i = 0; globals && globals[i]; i++)
        words_add(&a, globals[i]);
    for (size_t i = 0; args[i]; i++)
        words_add(&a, args[i]);
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        strv_free(a.v);
        return NULL;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int r = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, a.v, environ);
    posix_spawn_file_actions_destroy(&fa);
    strv_free(a.v);
    close(p[1]);
    if (r != 0) {
        close(p[0]);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *out = xmalloc(cap);
    for (;;) {
        if (n + 1024 > cap)
            out = xrealloc(out, cap *= 2);
        ssize_t k = read(p[0], out + n, cap - n - 1);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    out[n] = '\0';
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return out;
}

static char *help_of(char *const *globals, const char *a, const char *b)
{
    const char *args[] = { a, b ? b : "--help", b ? "--help" : NULL, NULL };
    return run_self(globals, args);
}

/* ---- reading a --help text ---- */

/* The names of the Commands section: the leading "a, b, c" words of each entry. */
static void help_commands(const char *help, struct words *out)
{
    const char *p = strstr(help, "\nCommands:\n");
    if (!p)
        return;
    for (p += 11; *p && *p != '\n' && !(*p >= 'A' && *p <= 'Z');) {
        const char *eol = strchrnul(p, '\n');
        if (p[0] == ' ' && p[1] == ' ' && p[2] >= 'a' && p[2] <= 'z') {
            const char *q = p + 2;
            for (;;) {
                size_t len = strspn(q, "abcdefghijklmnopqrstuvwxyz-");
                _cleanup_free_ char *name = xstrndup(q, len);
                words_add(out, name);
                if (q[len] != ',')
                    break;
                q += len + 1;
                q += strspn(q, " ");
                if (q >= eol || *q < 'a' || *q > 'z')
                    break;
            }
        }
        p = *eol ? eol + 1 : eol;
    }
}

/* Every flag of an options entry ("  -e, --env K=V   ..."), those that take a value in args. */
static void help_flags(const char *help, struct words *flags, struct words *args)
{
    for (const char *p = help; *p;) {
        const char *eol = strchrnul(p, '\n');
        size_t ind = strspn(p, " ");
        if (ind >= 2 && ind <= 6 && p[ind] == '-') {
            const char *t = p + ind, *end = strstr(t, "  ");
            if (!end || end > eol)
                end = eol;
            _cleanup_free_ char *term = xstrndup(t, (size_t)(end - t));
            struct words names = { 0 };
            bool value = false;
            for (char *save = NULL, *tok = strtok_r(term, " ,", &save); tok;
                 tok = strtok_r(NULL, " ,", &save)) {
                if (tok[0] == '-')
                    words_add(&names, tok);
                else
                    value = true;
            }
            for (size_t i = 0; i < names.n; i++) {
                words_add(flags, names.v[i]);
                if (value)
                    words_add(args, names.v[i]);
            }
            strv_free(names.v);
        }
        p = *eol ? eol + 1 : eol;
    }
}

static bool in(const struct words *w, const char *s)
{
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->v[i], s) == 0)
            return true;
    return false;
}

/* ---- candidates ---- */

static void print_matching(const struct words *w, const char *prefix, const char *cur)
{
    for (size_t i = 0; i < w->n; i++) {
        _cleanup_free_ char *c = xasprintf("%s%s", prefix, w->v[i]);
        if (str_has_prefix(c, cur) && strcmp(w->v[i], "<none>:<none>") != 0)
            printf("%s\n", c);
    }
}

enum names { N_NONE, N_CONTAINERS, N_IMAGES, N_VOLUMES, N_NETWORKS };

static void print_names(char *const *globals, enum names kind, const char *prefix, const char *cur)
{
    static const char *const list[][5] = {
        [N_CONTAINERS] = { "ps", "-a", "--format", "{{.Names}}", NULL },
        [N_IMAGES] = { "images", "--format", "{{.Repository}}:{{.Tag}}", NULL },
        [N_VOLUMES] = { "volume", "ls", "-q", NULL },
        [N_NETWORKS] = { "network", "ls", "--format", "{{.Name}}", NULL },
    };
    if (kind == N_NONE)
        return;
    _cleanup_free_ char *out = run_self(globals, list[kind]);
    struct words w = { 0 };
    for (char *save = NULL, *l = out ? strtok_r(out, "\n", &save) : NULL; l;
         l = strtok_r(NULL, "\n", &save))
        words_add(&w, l);
    print_matching(&w, prefix, cur);
    strv_free(w.v);
}

/* What the value of a flag names. */
static enum names flag_names(const char *flag)
{
    if (strcmp(flag, "--network") == 0 || strcmp(flag, "--net") == 0)
        return N_NETWORKS;
    if (strcmp(flag, "-v") == 0 || strcmp(flag, "--volume") == 0)
        return N_VOLUMES;
    return N_NONE;
}

/* What positional argument number pos of a command names. */
static enum names positional_names(const char *cmd, const char *sub, size_t pos)
{
    static const char *const on_containers[] = {
        "start",  "stop",  "restart", "kill", "rm",     "inspect", "logs",   "wait",
        "attach", "stats", "top",     "port", "update", "pause",   "unpause"
    };
    if (!sub) {
        if (strcmp(cmd, "run") == 0 || strcmp(cmd, "create") == 0)
            return pos == 0 ? N_IMAGES : N_NONE;
        if (strcmp(cmd, "rmi") == 0)
            return N_IMAGES;
        if (strcmp(cmd, "exec") == 0 || strcmp(cmd, "rename") == 0)
            return pos == 0 ? N_CONTAINERS : N_NONE;
        for (size_t i = 0; i < ARRAY_SIZE(on_containers); i++)
            if (strcmp(cmd, on_containers[i]) == 0)
                return N_CONTAINERS;
        return N_NONE;
    }
    if (strcmp(cmd, "image") == 0 && (strcmp(sub, "rm") == 0 || strcmp(sub, "inspect") == 0))
        return N_IMAGES;
    if (strcmp(cmd, "healthcheck") == 0 && strcmp(sub, "run") == 0)
        return pos == 0 ? N_CONTAINERS : N_NONE;
    if (strcmp(cmd, "volume") == 0 && (strcmp(sub, "rm") == 0 || strcmp(sub, "inspect") == 0))
        return N_VOLUMES;
    if (strcmp(cmd, "network") == 0) {
        if (strcmp(sub, "rm") == 0 || strcmp(sub, "inspect") == 0)
            return N_NETWORKS;
        if (strcmp(sub, "connect") == 0 || strcmp(sub, "disconnect") == 0)
            return pos == 0 ? N_NETWORKS : pos == 1 ? N_CONTAINERS : N_NONE;
    }
    return N_NONE;
}

/* The candidates for the last of words[0..n) (the words after "rbox"), one per line. */
static void complete(char **words, size_t n)
{
    const char *cur = n ? words[n - 1] : "";
    struct words globals = { 0 };
    size_t i = 0;
    while (i + 1 < n && words[i][0] == '-') {
        bool takes = strcmp(words[i], "--root") == 0 || strcmp(words[i], "--runroot") == 0;
        if (takes && i + 2 >= n) {
            strv_free(globals.v);
            return; /* the value of --root: a directory, the shell's file completion */
        }
        if (takes || str_has_prefix(words[i], "--root=") || str_has_prefix(words[i], "--runroot="))
            words_add(&globals, words[i]);
        if (takes)
            words_add(&globals, words[i + 1]);
        i += takes ? 2 : 1;
    }
    struct words cands = { 0 }, flags = { 0 }, args = { 0 };
    _cleanup_free_ char *help = NULL;
    const char *cmd = NULL, *sub = NULL;
    if (i + 1 >= n) { /* the command, or a global flag */
        help = help_of(globals.v, "--help", NULL);
        if (cur[0] == '-')
            help_flags(help ? help : "", &cands, &args);
        else
            help_commands(help ? help : "", &cands);
        print_matching(&cands, "", cur);
        goto out;
    }
    cmd = words[i++];
    help = help_of(globals.v, cmd, NULL);
    if (help && strstr(help, "\nCommands:\n") && strcmp(cmd, "help") != 0) {
        if (i + 1 >= n) {
            help_commands(help, &cands);
            print_matching(&cands, "", cur);
            goto out;
        }
        sub = words[i++];
        free(help);
        if (strcmp(cmd, "container") == 0) { /* container X: the command X */
            cmd = strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0 ? "ps" : sub;
            sub = NULL;
            help = help_of(globals.v, strcmp(cmd, "prune") == 0 ? "container" : cmd,
                           strcmp(cmd, "prune") == 0 ? "prune" : NULL);
        } else {
            help = help_of(globals.v, cmd, sub);
        }
    }
    if (strcmp(cmd, "help") == 0) {
        free(help);
        help = help_of(globals.v, "--help", NULL);
        help_commands(help ? help : "", &cands);
        print_matching(&cands, "", cur);
        goto out;
    }
    help_flags(help ? help : "", &flags, &args);
    words_add(&flags, "--help");
    /* walk the words before the current one: flags, their values, positional arguments */
    size_t pos = 0;
    const char *want_value = NULL;
    bool dashdash = false, rest = false;
    for (; i + 1 < n; i++) {
        const char *a = words[i];
        want_value = NULL;
        if (dashdash || rest || a[0] != '-' || !a[1]) {
            /* run/create: the words after IMAGE are the container's command */
            if (pos == 0 && !sub && (strcmp(cmd, "run") == 0 || strcmp(cmd, "create") == 0))
                rest = true;
            pos++;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            dashdash = true;
            continue;
        }
        if (strchr(a, '='))
            continue;
        char flag[3] = { '-', a[strlen(a) - 1], '\0' }; /* -it, -dp 80: the last letter */
        if (a[1] == '-' || !a[2] ? in(&args, a) : in(&args, flag)) {
            want_value = a[1] == '-' || !a[2] ? a : flag;
            if (++i + 1 >= n) { /* the current word is that flag's value */
                print_names(globals.v, flag_names(want_value), "", cur);
                goto out;
            }
        }
    }
    if (!dashdash && !rest && str_has_prefix(cur, "--") && strchr(cur, '=')) {
        _cleanup_free_ char *flag = xstrndup(cur, (size_t)(strchr(cur, '=') - cur));
        _cleanup_free_ char *prefix = xasprintf("%s=", flag);
        print_names(globals.v, flag_names(flag), prefix, cur);
    } else if (!dashdash && !rest && cur[0] == '-') {
        print_matching(&flags, "", cur);
    } else if (!rest) {
        print_names(globals.v, positional_names(cmd, sub, pos), "", cur);
    }
out:
    strv_free(cands.v);
    strv_free(flags.v);
    strv_free(args.v);
    strv_free(globals.v);
}

int cmd_completion(struct cmd_ctx *c, int argc, char **argv)
{
    (void)c;
    rbox_err *err = NULL;
    if (argc >= 2 && strcmp(argv[1], "complete") == 0) {
        complete(argv + 2, (size_t)(argc - 2));
        return 0;
    }
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return cmd_help(completion_usage);
    if (argc == 3 && strcmp(argv[2], "--help") == 0)
        return cmd_help(completion_usage);
    if (argc != 2) {
        rbox_error(&err, 0,
                   "rbox completion: requires one shell: bash, zsh or fish (see 'rbox "
                   "completion --help')");
        return cmd_fail(err);
    }
    const char *script = strcmp(argv[1], "bash") == 0   ? bash_script
                         : strcmp(argv[1], "zsh") == 0  ? zsh_script
                         : strcmp(argv[1], "fish") == 0 ? fish_script
                                                        : NULL;
    if (!script) {
        rbox_error(&err, 0, "rbox completion: unknown shell \"%s\" (bash, zsh or fish)", argv[1]);
        return cmd_fail(err);
    }
    fputs(script, stdout);
    return 0;
}
