/* peers.h - concurrent pulls into one store share their blobs: a blob another live pull is
 * fetching is waited for and then hard-linked from that pull's staging layout, not fetched a
 * second time. A pull fetching a blob holds an exclusive flock on its "<hex>.partial" file. */
#ifndef RBOX_PEERS_H
#define RBOX_PEERS_H

#include <stdint.h>

enum peer_state { PEER_NONE, PEER_LINKED, PEER_FETCHING };

/* Look for blob hex (of size bytes) in the staging layouts under peers_dir (their
 * "blobs/sha256", "layout/blobs/sha256" or "layout.partial/blobs/sha256"), other than ours
 * (dirfd, our blobs/sha256): a finished copy is hard-linked into dirfd as hex (PEER_LINKED); a
 * ".partial" one whose flock is held means that pull is fetching it (PEER_FETCHING). */
enum peer_state peers_find(const char *peers_dir, int dirfd, const char *hex, uint64_t size);

#endif
