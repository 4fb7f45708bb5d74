/* main.c - rbox-registry: the registry client as a program of its own, run by rbox for pull,
 * push, login and logout (rbox stays a static binary without libcurl; the Makefile says why),
 * and usable alone against OCI image layouts:
 *
 *   rbox-registry pull --layout DIR [--blobs DIR [--omit-present]] [--peers DIR] [--platform P]
 *                      [-q] REF
 *   rbox-registry push --layout DIR [--manifest DIGEST | --tag T] [--mount-from REPO] REF
 *   rbox-registry login [-u U] [-p P | --password-stdin] REGISTRY
 *   rbox-registry logout [REGISTRY]
 *   rbox-registry ref REF...       (the normalized reference, or the error: tests)
 *   rbox-registry www-auth VALUE   (the parsed challenge: tests)
 * Every command also takes --tls-verify=BOOL, --cert-dir DIR and --authfile FILE. */
#define _GNU_SOURCE
#include "client.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

enum {
    O_TLS = 256,
    O_CERTDIR,
    O_AUTHFILE,
    O_LAYOUT,
    O_BLOBS,
    O_PLATFORM,
    O_MANIFEST,
    O_MOUNT,
    O_PWSTDIN,
    O_TAG,
    O_OMIT,
    O_PEERS
};

static const struct option longopts[] = {
    { "tls-verify", optional_argument, NULL, O_TLS },
    { "cert-dir", required_argument, NULL, O_CERTDIR },
    { "authfile", required_argument, NULL, O_AUTHFILE },
    { "layout", required_argument, NULL, O_LAYOUT },
    { "blobs", required_argument, NULL, O_BLOBS },
    { "platform", required_argument, NULL, O_PLATFORM },
    { "manifest", required_argument, NULL, O_MANIFEST },
    { "mount-from", required_argument, NULL, O_MOUNT },
    { "password-stdin", no_argument, NULL, O_PWSTDIN },
    { "tag", required_argument, NULL, O_TAG },
    { "omit-present", no_argument, NULL, O_OMIT },
    { "peers", required_argument, NULL, O_PEERS },
    { "username", required_argument, NULL, 'u' },
    { "password", required_argument, NULL, 'p' },
    { "quiet", no_argument, NULL, 'q' },
    { NULL, 0, NULL, 0 },
};

struct args {
    struct reg_opts o;
    const char *layout, *blobs, *platform, *manifest, *mount_from, *tag;
    bool pw_stdin;
    bool omit; /* --omit-present: blobs of --blobs are left out of the layout, not linked */
};

static int fail(rbox_err *err)
{
    log_err_free(err);
    return 125;
}

static int parse(int argc, char **argv, struct args *a, rbox_err **err)
{
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+u:p:q", longopts, NULL)) != -1) {
        switch (c) {
        case O_TLS:
            if (!optarg || strcmp(optarg, "true") == 0)
                a->o.tls_verify = true;
            else if (strcmp(optarg, "false") == 0)
                a->o.tls_verify = false;
            else
                return rbox_error(err, 0, "--tls-verify=%s: expected true or false", optarg);
            break;
        case O_CERTDIR: a->o.cert_dir = optarg; break;
        case O_AUTHFILE: a->o.authfile = optarg; break;
        case O_LAYOUT: a->layout = optarg; break;
        case O_BLOBS: a->blobs = optarg; break;
        case O_PLATFORM: a->platform = optarg; break;
        case O_MANIFEST: a->manifest = optarg; break;
        case O_MOUNT: a->mount_from = optarg; break;
        case O_PWSTDIN: a->pw_stdin = true; break;
        case O_TAG: a->tag = optarg; break;
        case O_OMIT: a->omit = true; break;
        case O_PEERS: a->o.peers = optarg; break;
        case 'u': a->o.user = optarg; break;
        case 'p': a->o.pass = optarg; break;
        case 'q': a->o.quiet = true; break;
        default: return rbox_error(err, 0, "%s: unknown flag %s", argv[0], argv[optind - 1]);
        }
    }
    return optind;
}

/* the store's blobs: <blobs>/sha256/<hex> */
static bool have_blob(const char *digest, char *path_out, void *ctx)
{
    const struct args *a = ctx;
    snprintf(path_out, PATH_MAX, "%s/sha256/%s", a->blobs, digest + 7);
    struct stat st;
    bool have = stat(path_out, &st) == 0 && S_ISREG(st.st_mode);
    if (have && a->omit)
        path_out[0] = '\0';
    return have;
}

static int do_pull(struct args *a, int argc, char **argv)
{
    rbox_err *err = NULL;
    if (argc != 1)
        return fail((rbox_error(&err, 0, "pull: expected one reference"), err));
    if (!a->layout)
        return fail((rbox_error(&err, 0, "pull: --layout DIR is required"), err));
    struct image_ref ref;
    if (image_ref_parse(argv[0], &ref, &err) < 0)
        return fail(err);
    /* written beside the target and renamed into place: a killed pull leaves no half layout */
    _cleanup_free_ char *tmp = xasprintf("%s.partial", a->layout);
    rm_rf_at(AT_FDCWD, tmp);
    struct stat st;
    char id[72];
    int r;
    if (lstat(a->layout, &st) == 0)
        r = rbox_error(&err, EEXIST, "--layout %s", a->layout);
    else
        r = registry_pull(&a->o, &ref, a->platform, tmp, a->blobs ? have_blob : NULL, a, id, &err);
    if (r == 0 && rename(tmp, a->layout) < 0) {
        r = rbox_error(&err, errno, "renaming %s to %s", tmp, a->layout);
        rm_rf_at(AT_FDCWD, tmp);
    }
    if (r == 0) {
        if (a->o.quiet) {
            printf("%s\n", id + 7);
        } else {
            _cleanup_free_ char *s = image_ref_string(&ref);
            printf("%s\n", s);
        }
    }
    image_ref_clear(&ref);
    return r < 0 ? fail(err) : 0;
}

static int do_push(struct args *a, int argc, char **argv)
{
    rbox_err *err = NULL;
    if (argc != 1)
        return fail((rbox_error(&err, 0, "push: expected one destination reference"), err));
    if (!a->layout)
        return fail((rbox_error(&err, 0, "push: --layout DIR is required"), err));
    struct image_ref dest;
    if (image_ref_parse(argv[0], &dest, &err) < 0)
        return fail(err);
    int r = registry_push(&a->o, a->layout, a->manifest,
                          a->manifest ? NULL
                          : a->tag    ? a->tag
                                      : dest.tag,
                          &dest, a->mount_from, &err);
    image_ref_clear(&dest);
    return r < 0 ? fail(err) : 0;
}

static char *read_line(FILE *f, bool echo)
{
    struct termios old, quiet;
    bool tty = !echo && isatty(fileno(f)) && tcgetattr(fileno(f), &old) == 0;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(f), TCSAFLUSH, &quiet);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    if (tty) {
        tcsetattr(fileno(f), TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (n < 0) {
        free(line);
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return line;
}

static int do_login(struct args *a, int argc, char **argv)
{
    rbox_err *err = NULL;
    if (argc > 1)
        return fail((rbox_error(&err, 0, "login: expected at most one registry"), err));
    _cleanup_free_ char *host = registry_host_normalize(argc ? argv[0] : NULL, &err);
    if (!host)
        return fail(err);
    _cleanup_free_ char *user = NULL, *pass = NULL;
    if (a->pw_stdin && a->o.pass)
        return fail((rbox_error(&err, 0, "login: --password and --password-stdin together"), err));
    if (!a->o.user) {
        if (!isatty(STDIN_FILENO) || a->pw_stdin)
            return fail(
                (rbox_error(&err, 0, "login: no username (-u) and no terminal to ask"), err));
        fprintf(stderr, "Username: ");
        user = read_line(stdin, true);
        a->o.user = user;
    }
    if (a->pw_stdin) {
        pass = read_line(stdin, true);
        a->o.pass = pass;
    } else if (!a->o.pass && isatty(STDIN_FILENO)) {
        fprintf(stderr, "Password: ");
        pass = read_line(stdin, false);
        a->o.pass = pass;
    }
    if (!a->o.user || !*a->o.user || !a->o.pass)
        return fail((rbox_error(&err, 0, "login: username and password are required"), err));
    /* a registry name as typed: the host:port to connect to */
    const char *server = strcmp(host, REF_DEFAULT_DOMAIN) == 0 ? REF_DEFAULT_DOMAIN : host;
    if (registry_login_check(&a->o, server, &err) < 0 ||
        authfile_store(a->o.authfile, host, a->o.user, a->o.pass, &err) < 0)
        return fail(err);
    printf("Login Succeeded!\n");
    return 0;
}

static int do_logout(struct args *a, int argc, char **argv)
{
    rbox_err *err = NULL;
    if (argc > 1)
        return fail((rbox_error(&err, 0, "logout: expected at most one registry"), err));
    _cleanup_free_ char *host = registry_host_normalize(argc ? argv[0] : NULL, &err);
    if (!host)
        return fail(err);
    int r = authfile_store(a->o.authfile, host, NULL, NULL, &err);
    if (r < 0)
        return fail(err);
    if (r == 1) {
        _cleanup_free_ char *path = authfile_path(a->o.authfile);
        return fail((rbox_error(&err, 0, "not logged into %s (no entry in %s)", host, path), err));
    }
    printf("Removed login credentials for %s\n", host);
    return 0;
}

static int do_ref(int argc, char **argv)
{
    int bad = 0;
    for (int i = 0; i < argc; i++) {
        struct image_ref r;
        rbox_err *err = NULL;
        if (image_ref_parse(argv[i], &r, &err) < 0) {
            printf("error: %s\n", err->msg);
            rbox_err_free(err);
            bad = 1;
            continue;
        }
        _cleanup_free_ char *s = image_ref_string(&r);
        printf("%s\n", s);
        image_ref_clear(&r);
    }
    return bad;
}

static int do_www_auth(int argc, char **argv)
{
    struct www_auth a;
    rbox_err *err = NULL;
    if (argc != 1 || www_auth_parse(argv[0], &a, &err) < 0) {
        printf("error: %s\n", err ? err->msg : "one value");
        rbox_err_free(err);
        return 1;
    }
    printf("scheme=%s realm=%s service=%s scope=%s error=%s\n", a.scheme, a.realm ? a.realm : "-",
           a.service ? a.service : "-", a.scope ? a.scope : "-", a.error ? a.error : "-");
    www_auth_clear(&a);
    return 0;
}

int main(int argc, char **argv)
{
    log_init("rbox", NULL, LOG_FMT_TEXT, false, NULL);
    /* run by rbox pull: die with it, so that a killed pull leaves no transfer behind */
    const char *parent = getenv("RBOX_REGISTRY_PARENT");
    if (parent && *parent) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != atoi(parent))
            return 125;
    }
    static const char usage[] =
        "Usage: rbox-registry COMMAND [OPTIONS] ARG... (what rbox pull/push/login/logout run)\n"
        "\n"
        "  pull --layout DIR [--blobs DIR [--omit-present]] [--peers DIR] [--platform P] [-q] REF\n"
        "  push --layout DIR [--manifest DIGEST | --tag T] [--mount-from REPO] REF\n"
        "  login [-u U] [-p P | --password-stdin] [REGISTRY]\n"
        "  logout [REGISTRY]\n"
        "  ref REF...            print references normalized\n"
        "  www-auth VALUE        print a parsed WWW-Authenticate challenge\n"
        "\n"
        "Every command takes --tls-verify=BOOL, --cert-dir DIR, --authfile FILE\n"
        "(docs/registry.md).\n";
    if (argc < 2) {
        fputs(usage, stderr);
        return 125;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "ref") == 0)
        return do_ref(argc - 2, argv + 2);
    if (strcmp(cmd, "www-auth") == 0)
        return do_www_auth(argc - 2, argv + 2);
    struct args a = { .o = { .tls_verify = true, .out = stdout, .parallel = 3 } };
    rbox_err *err = NULL;
    int n = parse(argc - 1, argv + 1, &a, &err);
    if (n < 0)
        return fail(err);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return fail((rbox_error(&err, 0, "libcurl did not initialize"), err));
    int r;
    int rest = argc - 1 - n;
    char **pos = argv + 1 + n;
    if (strcmp(cmd, "pull") == 0)
        r = do_pull(&a, rest, pos);
    else if (strcmp(cmd, "push") == 0)
        r = do_push(&a, rest, pos);
    else if (strcmp(cmd, "login") == 0)
        r = do_login(&a, rest, pos);
    else if (strcmp(cmd, "logout") == 0)
        r = do_logout(&a, rest, pos);
    else
        r = fail((rbox_error(&err, 0, "rbox-registry: unknown command \"%s\"", cmd), err));
    fflush(stdout);
    curl_global_cleanup();
    return r;
}
