/* names.c - container names: validation, the name index (<root>/names/<name> -> id symlinks,
 * so a claim is atomic) and generated adjective_noun names. */
#define _GNU_SOURCE
#include "salvage.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static const char *const adjectives[] = {
    "able",    "agile",  "amber",   "ample",    "ardent", "avid",    "bold",    "brave",
    "breezy",  "bright", "brisk",   "busy",     "calm",   "candid",  "careful", "cheery",
    "civil",   "clever", "cosmic",  "cozy",     "crisp",  "curious", "daring",  "dapper",
    "deft",    "eager",  "earnest", "easy",     "elated", "epic",    "fair",    "fancy",
    "fervent", "fierce", "fluent",  "focused",  "frank",  "free",    "fresh",   "friendly",
    "gallant", "gentle", "giddy",   "glad",     "golden", "grand",   "happy",   "hardy",
    "hearty",  "honest", "humble",  "jolly",    "jovial", "keen",    "kind",    "lively",
    "loyal",   "lucid",  "lucky",   "mellow",   "merry",  "mighty",  "modest",  "neat",
    "nimble",  "noble",  "patient", "peaceful", "placid", "plucky",  "polite",  "proud",
    "quick",   "quiet",  "radiant", "rapid",    "ready",  "regal",   "robust",  "rosy",
    "serene",  "sharp",  "shiny",   "silent",   "sleek",  "smart",   "snappy",  "solid",
    "spry",    "stoic",  "sturdy",  "sunny",    "swift",  "tender",  "tidy",    "tranquil",
    "trusty",  "upbeat", "valiant", "vivid",    "warm",   "wise",    "witty",   "zealous",
};

static const char *const nouns[] = {
    "albatross", "alpaca",  "antelope", "badger",  "beaver",   "bison",   "bobcat", "buffalo",
    "camel",     "caribou", "cheetah",  "condor",  "cougar",   "coyote",  "crane",  "dingo",
    "dolphin",   "donkey",  "eagle",    "egret",   "elk",      "falcon",  "ferret", "finch",
    "flamingo",  "fox",     "gazelle",  "gecko",   "gibbon",   "giraffe", "gopher", "gorilla",
    "grouse",    "hamster", "hare",     "hawk",    "hedgehog", "heron",   "hippo",  "hornet",
    "husky",     "ibex",    "ibis",     "iguana",  "impala",   "jackal",  "jaguar", "kestrel",
    "kiwi",      "koala",   "lemur",    "leopard", "llama",    "lobster", "lynx",   "macaw",
    "magpie",    "marmot",  "marten",   "meerkat", "mink",     "mole",    "moose",  "narwhal",
    "newt",      "ocelot",  "octopus",  "orca",    "osprey",   "otter",   "owl",    "panda",
    "panther",   "parrot",  "pelican",  "penguin", "pika",     "plover",  "puffin", "puma",
    "quail",     "rabbit",  "raccoon",  "raven",   "reindeer", "robin",   "salmon", "seal",
    "shrew",     "sparrow", "squid",    "stork",   "swan",     "tapir",   "tiger",  "toucan",
    "turtle",    "walrus",  "weasel",   "whale",   "wombat",   "wren",    "yak",    "zebra",
};

int name_validate(const char *name, rbox_err **err)
{
    size_t len = strlen(name);
    bool ok = len >= 2 && len <= NAME_MAXLEN;
    for (size_t i = 0; ok && i < len; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        ok = alnum || (i > 0 && (c == '_' || c == '.' || c == '-'));
    }
    if (!ok)
        return rbox_error(err, 0,
                          "invalid container name \"%s\": use 2-%d characters of "
                          "[a-zA-Z0-9][a-zA-Z0-9_.-]",
                          name, NAME_MAXLEN);
    return 0;
}

int name_claim(const struct store *s, const char *name, const char *id, rbox_err **err)
{
    char rel[16 + NAME_MAXLEN];
    snprintf(rel, sizeof(rel), "names/%s", name);
    if (symlinkat(id, s->root_fd, rel) == 0)
        return 0;
    if (errno != EEXIST)
        return rbox_error(err, errno, "claiming the name \"%s\"", name);
    char target[ID_LEN + 2];
    ssize_t n = readlinkat(s->root_fd, rel, target, sizeof(target) - 1);
    /* held by a container left half-made (or never made) by a kill: released */
    if (n == ID_LEN) {
        target[n] = '\0';
        if (ctr_salvage_locked(s, target) == 1 && symlinkat(id, s->root_fd, rel) == 0)
            return 0;
    }
    target[n > 12 ? 12 : n > 0 ? n : 0] = '\0';
    return rbox_error(err, 0,
                      "the container name \"%s\" is already in use by container %s: remove or "
                      "rename that container first",
                      name, target);
}

void name_release(const struct store *s, const char *name, const char *id)
{
    char rel[16 + NAME_MAXLEN], target[ID_LEN + 2];
    snprintf(rel, sizeof(rel), "names/%s", name);
    ssize_t n = readlinkat(s->root_fd, rel, target, sizeof(target) - 1);
    if (n != ID_LEN)
        return;
    target[n] = '\0';
    if (strcmp(target, id) == 0)
        unlinkat(s->root_fd, rel, 0);
}

int name_generate_claim(const struct store *s, const char *id, char *out, size_t len,
                        rbox_err **err)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned r[3];
        if (getrandom(r, sizeof(r), 0) != sizeof(r))
            return rbox_error(err, errno, "getrandom");
        const char *a = adjectives[r[0] % ARRAY_SIZE(adjectives)];
        const char *n = nouns[r[1] % ARRAY_SIZE(nouns)];
        /* after a few collisions, add a digit (the space of names is ~11,000) */
        if (attempt < 10)
            snprintf(out, len, "%s_%s", a, n);
        else
            snprintf(out, len, "%s_%s%u", a, n, r[2] % 100);
        rbox_err *e = NULL;
        if (name_claim(s, out, id, &e) == 0)
            return 0;
        bool taken = e->errnum == 0;
        rbox_err_free(e);
        if (!taken)
            return rbox_error(err, errno, "claiming a generated name");
    }
    return rbox_error(err, 0, "could not find a free container name: give one with --name");
}
