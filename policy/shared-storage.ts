/**
 * Host paths that are the same storage on every node of the lab: the storage node's datasets, seen
 * by the other nodes at the same paths (the lab's notes put the apps' data "on NFS", and floating
 * services such as radarr, homepage and grafana bind them and may run on any node). A writable
 * bind under one of these roots does not tie a service to a node; a writable bind anywhere else, a
 * named volume of the local driver or a device does. test/policy/lab-renders.test.ts keeps these
 * equal to Pulumi.prod.yaml's `homelab:paths` appdata and media; policy config can add roots.
 *
 * The backups root is deliberately absent: nothing floating uses it, so there is no evidence that
 * it is shared, and the one service writing there (pg-backup) is pinned.
 */
export const SHARED_STORAGE_ROOTS: readonly string[] = ["/mnt/apps01/appdata", "/mnt/data01/data"];
