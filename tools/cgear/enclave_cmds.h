/*
 * enclave_cmds.h - `cgear enclave start|list|console|stop`: standalone
 * enclaves that keep running after the command returns (docs/cli.md).
 */
#ifndef CGEAR_TOOL_ENCLAVE_CMDS_H
#define CGEAR_TOOL_ENCLAVE_CMDS_H

/* Run `cgear enclave ...`; @argv starts at "enclave". Returns the exit
 * status: 0 success, 1 the operation failed (reason on stderr), 2 usage. */
int cgear_enclave_main(int argc, char **argv);

#endif
