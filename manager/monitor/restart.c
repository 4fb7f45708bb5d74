/* restart.c - rbox-monitor's --restart policy: does this exit call for a restart? */
#define _GNU_SOURCE
#include "monitor.h"

#include <stdlib.h>
#include <string.h>

bool restart_policy_allows(const char *policy, int code, int restarts)
{
    if (strcmp(policy, "always") == 0 || strcmp(policy, "unless-stopped") == 0)
        return true;
    if (strncmp(policy, "on-failure", 10) != 0 || code == 0)
        return false;
    int max = policy[10] == ':' ? atoi(policy + 11) : 0; /* 0: no limit (docker) */
    return max == 0 || restarts < max;
}
