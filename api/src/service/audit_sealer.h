/*
 * The thread that links committed audit entries into the hash chain (audit_repo_seal), shortly
 * after they commit, so that audited transactions never wait for one another. Every instance runs
 * one; whichever takes the chain's lock seals, the others find nothing to do.
 */
#ifndef CABINET_AUDIT_SEALER_H
#define CABINET_AUDIT_SEALER_H

struct audit_sealer;

/* Starts sealing every interval_ms on a connection of its own (reconnecting when it is lost). */
int audit_sealer_start(struct audit_sealer **out, const char *conninfo, long interval_ms);

/* Stops the thread after its current round. NULL is a no-op. */
void audit_sealer_stop(struct audit_sealer *s);

#endif
